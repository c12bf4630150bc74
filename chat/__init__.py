"""Live chat: the box on every provider page, answered from the Control Panel's Chat page.

Every conversation is a Message Box thread with the payer team (the transcript, under the same
access rules), its lines sent over WebSockets (Django Channels) as they are typed.
"""

"""Script-injection and HTML-breaking strings that people type into the portal's free-text fields.

The first three are the ones of seed 004, from a real Comments History. The others cover the
usual ways out of an HTML text node, an attribute, a <title>, a <textarea> or a <script> block,
markup a sanitizer could let through (links, styles, meta refresh, mutation XSS), template syntax
(Django, Jinja, AngularJS), already-escaped text that must not be unescaped, Unicode tricks
(bidirectional overrides, zero-width characters, combining marks, emoji), line breaks, and very
long strings. Each is stored and shown back as plain text; fields shorter than a string get its
beginning (``fit``), which also tests a tag cut in the middle.
"""

SEED_004 = [
    "<script>alert(1)</script>",
    ";alert(1)//",
    "</xmp><script>alert(1)</script>",
]

LONG_SCRIPT = "<script>alert(1)</script>" * 200  # 5,000 characters: the longest message body
LONG_WORD = "A" * 2970 + '"><img src=x onerror=alert(1)>'  # one 3,000-character word

CORPUS = [
    *SEED_004,
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "'\"><iframe src=javascript:alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}}",
    "{% debug %}",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    "<meta http-equiv=refresh content=0;url=//example.org>",
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &#60;b&#62;",
    "</title><script>alert(1)</script>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)' x='",
    "</script><script>alert(1)</script>",
    "<!--<script>alert(1)//--><b>after the comment</b>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    'https://example.org/"><script>alert(1)</script>',
    "See http://example.org/?q=<img src=x onerror=alert(1)>&x=1 and www.example.org",
    "jav&#x09;ascript:alert(1) java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "{{constructor.constructor('alert(1)')()}} ${alert(1)} #{alert(1)}",
    '"; alert(1); var a="',
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e %3Cscript%3Ealert(1)%3C/script%3E",
    "Invoice \u202egnp.exe <script>alert(1)</script> \u202d",
    "<scr\u200bipt>alert(1)</scr\u200bipt> \ufeff\u200d zero-width",
    "Z\u0334\u0321\u032aa\u0337\u0349l\u0336g\u0335o \U0001f469\u200d\u2695\ufe0f <b>bold</b>",
    "First line\n<script>\nalert(1)\n</script>\nthird line",
    "Windows\r\n\t<i>breaks</i>\r\n  and   spaces",
    '<base href="//example.org/"><link rel=stylesheet href=//example.org/x.css>',
    '<object data="javascript:alert(1)"></object><embed src=javascript:alert(1)>',
    '<form action="javascript:alert(1)"><button>Submit</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "</div></main><h1>Injected heading</h1>",
    "<<script>alert(1)//<</script>",
    "<plaintext>",
    '=HYPERLINK("http://example.org","click") +1 -1 @SUM(1)',
    LONG_SCRIPT,
    LONG_WORD,
]


def fit(text: str, limit: int) -> str:
    """The string as a field of ``limit`` characters keeps it: its beginning, trimmed."""
    return text[:limit].strip()

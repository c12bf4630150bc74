from django.apps import AppConfig


class AccessReviewsConfig(AppConfig):
    """Periodic access reviews (recertification) by account managers and the payer's campaigns."""

    name = "access_reviews"
    verbose_name = "Access reviews"

    def ready(self):
        from access_reviews.selectors import tasks_for_manager
        from user_management import work_queue

        # Open reviews head the account manager's work queue on the User Management page.
        work_queue.register("review_tasks", lambda *, manager: list(tasks_for_manager(manager=manager)[:20]))

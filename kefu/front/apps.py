from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "kefu.front"
    label = "front"
    verbose_name = "Front"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kefu.front.middleware import SlidingSessionMiddleware

        # A new session starts its idle clock at sign-in, so the first pages need no extra write.
        user_logged_in.connect(SlidingSessionMiddleware.mark_seen, dispatch_uid="kefu-session-seen")

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontConfig(AppConfig):
    # This module holds two AppConfigs (and imports axes'): without ``default`` Django would pick none
    # for "kefu.front" and ``ready`` below would never run.
    default = True
    name = "kefu.front"
    label = "front"
    verbose_name = _("Pages")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kefu.front.middleware import SlidingSessionMiddleware

        # A new session starts its idle clock at sign-in, so the first pages need no extra write.
        user_logged_in.connect(SlidingSessionMiddleware.mark_seen, dispatch_uid="kefu-session-seen")


class LoginLockoutConfig(AxesAppConfig):  # type: ignore[misc]  # axes ships no type hints
    """django-axes under a name the admin shows in Chinese (its own is "Axes")."""

    verbose_name = _("Login lockout")

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import ApiToken, User


@transaction.atomic
def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with the plain key, which is shown once and never stored."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key))
    return token, key


def token_authenticate(*, key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


SYSTEM_USERNAME = "system"


def system_user() -> User:
    """The actor recorded for automatic changes (SLA checks, jobs). It cannot log in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"full_name": "系统", "is_active": False, "role": "admin"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user

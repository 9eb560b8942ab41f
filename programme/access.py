"""The one rule for refusals, as view decorators.

Anonymous users are sent to sign in; a page of another role answers 403. Views
then fetch objects through a queryset the user may see (404 otherwise) and check
the action's predicate (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rules.predicates import Predicate

View = Callable[..., HttpResponse]


def role_required(predicate: Predicate) -> Callable[[View], View]:
    """Let through signed-in users for whom `predicate` holds."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate.test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def check(predicate: Predicate, user, obj=None) -> None:
    """Refuse with 403 an action the user may not take on an object they can see."""
    if not predicate.test(user, obj):
        raise PermissionDenied

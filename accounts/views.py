"""Sign-up, log in and out, password change; Django's own views with our limits around them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from accounts import services
from audio.http.throttling import LOGIN, LOGIN_PER_USERNAME, SIGNUP, throttled

SIGNUP_CLOSED = "Sign-up is closed on this SoundForge; ask its administrator for an account."


@login_not_required
@throttled(SIGNUP)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("library")
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", {"message": SIGNUP_CLOSED}, status=403)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.save())
        return redirect("library")
    return render(request, "registration/signup.html", {"form": form})


@method_decorator(throttled(LOGIN, LOGIN_PER_USERNAME), name="post")
class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "signup_open": settings.SIGNUP_OPEN}


class LogoutView(auth_views.LogoutView):
    """Log out, and close the websockets this session opened."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        services.session_ended(session_key=session_key)
        messages.success(request, "You are logged out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password: the API token stops working and open websockets close."""

    success_url = reverse_lazy("library")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        messages.success(self.request, "Password changed. Your API token was revoked; get a new one to use the API.")
        return response

from django.urls import path

from waymark.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("verify/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("keep-alive/", views.keep_alive, name="keep-alive"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("locked/", views.locked_accounts, name="locked-accounts"),
]

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up directly: people apply to a community and a coordinator approves them."""

    def is_open_for_signup(self, request):
        return False

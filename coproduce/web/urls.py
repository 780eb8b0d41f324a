from django.urls import path

from .views import account, community, coordinate, home, members, profile, public

app_name = "web"

urlpatterns = [
    # Anyone
    path("", public.index, name="index"),
    path("c/<slug:slug>/apply/", public.apply, name="apply"),
    path("c/<slug:slug>/apply/sent/", public.apply_done, name="apply_done"),
    path("references/<str:token>/", public.reference_answer, name="reference_answer"),
    # The signed-in person (or the member a coordinator is acting for)
    path("home/", home.home, name="home"),
    path("profile/details/", profile.details, name="profile_details"),
    path("profile/gifts/", profile.gifts, name="profile_gifts"),
    path("profile/privacy/", profile.privacy, name="profile_privacy"),
    path("profile/privacy/consent/<str:topic>/", profile.consent, name="profile_consent"),
    path("profile/privacy/sensitive/<str:topic>/", profile.sensitive, name="profile_sensitive"),
    path("account/", account.account, name="account"),
    path("account/tokens/", account.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke, name="token_revoke"),
    path("account/my-data.zip", account.data_export, name="data_export"),
    path("account/leave/<slug:slug>/", account.leave, name="leave"),
    path("acting/stop/", members.acting_stop, name="acting_stop"),
    # Members of a community
    path("c/<slug:slug>/", community.community, name="community"),
    path("c/<slug:slug>/rules/", community.rulebook, name="rulebook"),
    path("c/<slug:slug>/members/", members.directory, name="member_directory"),
    path("c/<slug:slug>/members/<int:number>/", members.member_detail, name="member_detail"),
    path("c/<slug:slug>/members/<int:number>/card/", members.member_card, name="member_card"),
    # Coordinators of a community
    path("c/<slug:slug>/members/<int:number>/checks/", members.member_check, name="member_check"),
    path("c/<slug:slug>/members/<int:number>/notes/", members.member_note, name="member_note"),
    path("c/<slug:slug>/members/<int:number>/roles/", members.member_role, name="member_role"),
    path("c/<slug:slug>/members/<int:number>/act/", members.acting_start, name="acting_start"),
    path("c/<slug:slug>/members/<int:number>/offboard/", members.member_offboard, name="member_offboard"),
    path("c/<slug:slug>/coordinate/", coordinate.dashboard, name="coordinator_dashboard"),
    path("c/<slug:slug>/coordinate/search/", coordinate.member_search, name="member_search"),
    path("c/<slug:slug>/coordinate/relays/<int:relay_id>/passed-on/", coordinate.relay_passed_on,
         name="relay_passed_on"),
    path("c/<slug:slug>/coordinate/applications/", coordinate.application_list, name="application_list"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/", coordinate.application_detail,
         name="application_detail"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/notes/", coordinate.application_note,
         name="application_note"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/references/", coordinate.application_reference,
         name="application_reference"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/checks/", coordinate.application_check,
         name="application_check"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/approve/", coordinate.application_approve,
         name="application_approve"),
    path("c/<slug:slug>/coordinate/applications/<int:application_id>/decline/", coordinate.application_decline,
         name="application_decline"),
]

from django.urls import path

from .views import (
    account,
    agencies,
    assessments,
    budgets,
    community,
    coordination,
    decisions,
    disputes,
    exchanges,
    governance,
    home,
    ledger,
    listings,
    members,
    messaging,
    notifications,
    operate,
    partners,
    profile,
    public,
    referrals,
    register,
    sanctions,
    sessions,
    sign_in,
)

app_name = "web"

urlpatterns = [
    # Anyone
    path("", public.index, name="index"),
    path("c/<slug:slug>/apply/", public.apply, name="apply"),
    path("c/<slug:slug>/apply/sent/", public.apply_done, name="apply_done"),
    path(
        "c/<slug:slug>/apply/check-your-email/", public.apply_check_email, name="apply_check_email"
    ),
    path("applications/confirm/<str:token>/", public.apply_confirm, name="apply_confirm"),
    path("c/<slug:slug>/offers/", listings.listings_public, name="listings_public"),
    path("references/<str:token>/", public.reference_answer, name="reference_answer"),
    path("references/<str:token>/thanks/", public.reference_thanks, name="reference_thanks"),
    # Ways in besides the sign-in form: a set-password link, a sign-in letter's code
    # (coproduce.web.views.sign_in)
    path("welcome/<str:secret>/", sign_in.link, name="sign_in_link"),
    path("sign-in/code/", sign_in.code, name="sign_in_code"),
    path("sign-in/choose-password/", sign_in.choose_password, name="choose_password"),
    # The signed-in person (or the member a coordinator is acting for)
    path("home/", home.home, name="home"),
    path("profile/details/", profile.details, name="profile_details"),
    path("profile/gifts/", profile.gifts, name="profile_gifts"),
    path("profile/privacy/", profile.privacy, name="profile_privacy"),
    path("profile/privacy/consent/<str:topic>/", profile.consent, name="profile_consent"),
    path("profile/privacy/sensitive/<str:topic>/", profile.sensitive, name="profile_sensitive"),
    path("account/", account.account, name="account"),
    path("account/tokens/", account.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/new/", account.token_created, name="token_created"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke, name="token_revoke"),
    path("account/my-data.zip", account.data_export, name="data_export"),
    path("account/leave/<slug:slug>/", account.leave, name="leave"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path(
        "notifications/<int:notification_id>/",
        notifications.notification_open,
        name="notification_open",
    ),
    path("notifications/preferences/", notifications.preferences, name="notification_preferences"),
    path("acting/stop/", members.acting_stop, name="acting_stop"),
    # Operators of the install
    path("operate/communities/new/", operate.community_create, name="community_create"),
    # Members of a community
    path("c/<slug:slug>/", community.community, name="community"),
    path("c/<slug:slug>/rules/", community.rulebook, name="rulebook"),
    # Agencies and the roles members take on alongside their staff (coproduce.coproduction)
    path("c/<slug:slug>/agencies/", agencies.agency_list, name="agency_list"),
    path("c/<slug:slug>/agencies/new/", agencies.agency_create, name="agency_create"),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/", agencies.agency_detail, name="agency_detail"
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/edit/", agencies.agency_edit, name="agency_edit"
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/archive/",
        agencies.agency_archive,
        name="agency_archive",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/fund/", agencies.agency_fund, name="agency_fund"
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/staff/",
        agencies.agency_staff_add,
        name="agency_staff_add",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/staff/<int:number>/remove/",
        agencies.agency_staff_remove,
        name="agency_staff_remove",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/roles/new/",
        agencies.role_create,
        name="role_create",
    ),
    path("c/<slug:slug>/roles/", agencies.role_list, name="role_list"),
    # Spend partners: where credits buy something, the door, receipts and reports
    path("c/<slug:slug>/spend/", partners.partner_list, name="partner_list"),
    path("c/<slug:slug>/spend/new/", partners.partner_add, name="partner_add"),
    path("c/<slug:slug>/spend/<int:partner_id>/", partners.partner_detail, name="partner_detail"),
    path("c/<slug:slug>/spend/<int:partner_id>/edit/", partners.partner_edit, name="partner_edit"),
    path(
        "c/<slug:slug>/spend/<int:partner_id>/archive/",
        partners.partner_archive,
        name="partner_archive",
    ),
    path(
        "c/<slug:slug>/spend/<int:partner_id>/offers/", partners.offer_add, name="partner_offer_add"
    ),
    path(
        "c/<slug:slug>/spend/<int:partner_id>/offers/<int:offer_id>/stop/",
        partners.offer_deactivate,
        name="partner_offer_deactivate",
    ),
    path("c/<slug:slug>/spend/<int:partner_id>/door/", partners.door, name="partner_door"),
    path("c/<slug:slug>/spend/<int:partner_id>/door/take/", partners.redeem, name="partner_redeem"),
    path(
        "c/<slug:slug>/spend/<int:partner_id>/receipts/<str:receipt_number>/",
        partners.receipt,
        name="partner_receipt",
    ),
    path("c/<slug:slug>/spend/<int:partner_id>/report/", partners.report, name="partner_report"),
    path(
        "c/<slug:slug>/spend/<int:partner_id>/report.csv",
        partners.report_csv,
        name="partner_report_csv",
    ),
    path("c/<slug:slug>/roles/<int:role_id>/", agencies.role_detail, name="role_detail"),
    path("c/<slug:slug>/roles/<int:role_id>/edit/", agencies.role_edit, name="role_edit"),
    path("c/<slug:slug>/roles/<int:role_id>/publish/", agencies.role_publish, name="role_publish"),
    path("c/<slug:slug>/roles/<int:role_id>/archive/", agencies.role_archive, name="role_archive"),
    path("c/<slug:slug>/training/", agencies.training_record, name="training_record"),
    # Sessions of co-production roles, sign-up and the calendar feeds (the feeds need no sign-in)
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/sessions/",
        sessions.agency_sessions,
        name="agency_sessions",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/sessions/new/",
        sessions.session_create,
        name="session_create",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/sessions/repeating/",
        sessions.series_create,
        name="series_create",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/sessions.ics",
        sessions.agency_calendar,
        name="agency_calendar",
    ),
    path(
        "c/<slug:slug>/roles/<int:role_id>/sessions/", sessions.role_sessions, name="role_sessions"
    ),
    path(
        "c/<slug:slug>/roles/<int:role_id>/sessions.ics",
        sessions.role_calendar,
        name="role_calendar",
    ),
    path("c/<slug:slug>/sessions/mine/", sessions.my_sessions, name="my_sessions"),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/", sessions.session_detail, name="session_detail"
    ),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/edit/", sessions.session_edit, name="session_edit"
    ),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/cancel/",
        sessions.session_cancel,
        name="session_cancel",
    ),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/sign-up/",
        sessions.session_signup,
        name="session_signup",
    ),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/sign-ups/<int:signup_id>/cancel/",
        sessions.signup_cancel,
        name="signup_cancel",
    ),
    path(
        "c/<slug:slug>/calendar/<str:token>.ics", sessions.member_calendar, name="member_calendar"
    ),
    path("c/<slug:slug>/members/", members.directory, name="member_directory"),
    path("c/<slug:slug>/members/<int:number>/", members.member_detail, name="member_detail"),
    path("c/<slug:slug>/members/<int:number>/card/", members.member_card, name="member_card"),
    path("c/<slug:slug>/exchanges/", exchanges.exchange_list, name="exchange_list"),
    path("c/<slug:slug>/exchanges/record/", exchanges.record, name="exchange_record"),
    path("c/<slug:slug>/proposals/", governance.proposal_list, name="proposals"),
    path("c/<slug:slug>/transparency/", governance.transparency, name="transparency"),
    path("c/<slug:slug>/proposals/new/", governance.proposal_new, name="proposal_new"),
    path("c/<slug:slug>/proposals/<int:number>/", governance.proposal, name="proposal"),
    path(
        "c/<slug:slug>/proposals/<int:number>/cosign/",
        governance.proposal_cosign,
        name="proposal_cosign",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/comments/",
        governance.proposal_comment,
        name="proposal_comment",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/comments/<int:comment_id>/accept/",
        governance.amendment_accept,
        name="amendment_accept",
    ),
    # disputes (issue 12)
    path("c/<slug:slug>/disputes/", disputes.dispute_list, name="disputes"),
    path("c/<slug:slug>/disputes/<int:number>/", disputes.dispute, name="dispute"),
    path("c/<slug:slug>/disputes/<int:number>/notes/", disputes.dispute_note, name="dispute_note"),
    path(
        "c/<slug:slug>/disputes/<int:number>/mediator/",
        disputes.dispute_mediator,
        name="dispute_mediator",
    ),
    path(
        "c/<slug:slug>/disputes/<int:number>/agreement/",
        disputes.dispute_agree,
        name="dispute_agree",
    ),
    path(
        "c/<slug:slug>/disputes/<int:number>/escalate/",
        disputes.dispute_escalate,
        name="dispute_escalate",
    ),
    path(
        "c/<slug:slug>/disputes/<int:number>/decision/",
        disputes.dispute_decide,
        name="dispute_decide",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/dispute/",
        disputes.dispute_open_decision,
        name="dispute_open_decision",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/commitments/",
        decisions.commitment_add,
        name="commitment_add",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/commitments/<int:commitment_id>/notes/",
        decisions.commitment_note,
        name="commitment_note",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/outcome/",
        decisions.decision_outcome,
        name="decision_outcome",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/review/",
        decisions.decision_review,
        name="decision_review",
    ),
    path("c/<slug:slug>/proposals/<int:number>/answer/", decisions.ask_answer, name="ask_answer"),
    path(
        "c/<slug:slug>/proposals/<int:number>/receipt/",
        governance.receipt_check,
        name="receipt_check",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/withdraw/",
        governance.proposal_withdraw,
        name="proposal_withdraw",
    ),
    path(
        "c/<slug:slug>/proposals/<int:number>/vote/", governance.proposal_vote, name="proposal_vote"
    ),
    # Participatory budgets (issue 12)
    path("c/<slug:slug>/budgets/", budgets.budget_list, name="budgets"),
    path("c/<slug:slug>/budgets/new/", budgets.budget_new, name="budget_new"),
    path("c/<slug:slug>/budgets/<int:number>/", budgets.budget, name="budget"),
    path(
        "c/<slug:slug>/budgets/<int:number>/propose/",
        budgets.budget_propose,
        name="budget_propose",
    ),
    path(
        "c/<slug:slug>/budgets/<int:number>/projects/<int:project>/check/",
        budgets.budget_check,
        name="budget_check",
    ),
    path("c/<slug:slug>/budgets/<int:number>/vote/", budgets.budget_vote, name="budget_vote"),
    path("c/<slug:slug>/budgets/<int:number>/close/", budgets.budget_close, name="budget_close"),
    path("c/<slug:slug>/budgets/<int:number>/pay/", budgets.budget_pay, name="budget_pay"),
    path("c/<slug:slug>/exchanges/to-confirm/", exchanges.to_confirm, name="exchanges_to_confirm"),
    path(
        "c/<slug:slug>/exchanges/<int:exchange_id>/",
        exchanges.exchange_detail,
        name="exchange_detail",
    ),
    path(
        "c/<slug:slug>/exchanges/<int:exchange_id>/confirm/",
        exchanges.exchange_confirm,
        name="exchange_confirm",
    ),
    path(
        "c/<slug:slug>/exchanges/<int:exchange_id>/decline/",
        exchanges.exchange_decline,
        name="exchange_decline",
    ),
    path(
        "c/<slug:slug>/exchanges/<int:exchange_id>/dispute/",
        exchanges.exchange_dispute,
        name="exchange_dispute",
    ),
    path(
        "c/<slug:slug>/exchanges/<int:exchange_id>/reference/",
        exchanges.exchange_reference,
        name="exchange_reference",
    ),
    path("c/<slug:slug>/listings/", listings.listing_search, name="listing_search"),
    path("c/<slug:slug>/listings/new/", listings.listing_create, name="listing_create"),
    path("c/<slug:slug>/listings/mine/", listings.listings_mine, name="listings_mine"),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/", listings.listing_detail, name="listing_detail"
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/edit/", listings.listing_edit, name="listing_edit"
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/close/",
        listings.listing_close,
        name="listing_close",
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/renew/",
        listings.listing_renew,
        name="listing_renew",
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/images/",
        listings.listing_image_add,
        name="listing_image_add",
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/images/<int:image_id>.jpg",
        listings.listing_image,
        name="listing_image",
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/images/<int:image_id>/thumbnail.jpg",
        listings.listing_image,
        {"thumbnail": True},
        name="listing_image_thumbnail",
    ),
    path(
        "c/<slug:slug>/listings/<int:listing_id>/images/<int:image_id>/remove/",
        listings.listing_image_remove,
        name="listing_image_remove",
    ),
    path("c/<slug:slug>/messages/", messaging.inbox, name="inbox"),
    path(
        "c/<slug:slug>/messages/<int:conversation_id>/",
        messaging.conversation_detail,
        name="conversation_detail",
    ),
    path(
        "c/<slug:slug>/messages/new/<int:number>/",
        messaging.conversation_new,
        name="conversation_new",
    ),
    path(
        "c/<slug:slug>/messages/report/<int:message_id>/",
        messaging.message_report,
        name="message_report",
    ),
    path("c/<slug:slug>/members/<int:number>/block/", messaging.member_block, name="member_block"),
    path("c/<slug:slug>/statement/", ledger.statement, name="statement"),
    path("c/<slug:slug>/statement.csv", ledger.statement_csv, name="statement_csv"),
    path("c/<slug:slug>/fund/", ledger.fund, name="fund"),
    path("c/<slug:slug>/fund/donate/", ledger.fund_donate, name="fund_donate"),
    # Agency staff (and coordinators): a session's register, the agency dashboard
    path(
        "c/<slug:slug>/sessions/<int:session_id>/register/",
        register.register_page,
        name="session_register",
    ),
    path(
        "c/<slug:slug>/sessions/<int:session_id>/register/confirm/",
        register.register_confirm_page,
        name="session_register_confirm",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/dashboard/",
        register.agency_dashboard,
        name="agency_dashboard",
    ),
    # Coordinators of a community
    path("c/<slug:slug>/members/<int:number>/checks/", members.member_check, name="member_check"),
    path("c/<slug:slug>/members/<int:number>/notes/", members.member_note, name="member_note"),
    path("c/<slug:slug>/members/<int:number>/roles/", members.member_role, name="member_role"),
    path("c/<slug:slug>/members/<int:number>/act/", members.acting_start, name="acting_start"),
    path(
        "c/<slug:slug>/members/<int:number>/offboard/",
        members.member_offboard,
        name="member_offboard",
    ),
    path(
        "c/<slug:slug>/members/<int:number>/sign-in/password/",
        sign_in.member_first_password,
        name="member_first_password",
    ),
    path(
        "c/<slug:slug>/members/<int:number>/sign-in/letter/",
        sign_in.member_sign_in_letter,
        name="member_sign_in_letter",
    ),
    path(
        "c/<slug:slug>/members/<int:number>/statement/",
        ledger.member_statement,
        name="member_statement",
    ),
    path(
        "c/<slug:slug>/members/<int:number>/statement.csv",
        ledger.member_statement_csv,
        name="member_statement_csv",
    ),
    path("c/<slug:slug>/fund/grant/", ledger.fund_grant, name="fund_grant"),
    path("c/<slug:slug>/coordinate/", coordination.dashboard, name="coordinator_dashboard"),
    path(
        "c/<slug:slug>/coordinate/exchanges/broker/",
        exchanges.exchange_broker,
        name="exchange_broker",
    ),
    path("c/<slug:slug>/coordinate/exchanges/slip/", exchanges.exchange_slip, name="exchange_slip"),
    path(
        "c/<slug:slug>/coordinate/exchanges/disputes/",
        exchanges.exchange_disputes,
        name="exchange_disputes",
    ),
    path("c/<slug:slug>/coordinate/concerns/", coordination.concerns, name="exchange_concerns"),
    path(
        "c/<slug:slug>/coordinate/concerns/<int:reference_id>/close/",
        coordination.concern_close,
        name="concern_close",
    ),
    path("c/<slug:slug>/coordinate/needs/", coordination.broker_queue, name="broker_queue"),
    # Referrals in from professionals, and the co-production self-assessment
    path("c/<slug:slug>/coordinate/referrals/", referrals.referral_queue, name="referral_queue"),
    path(
        "c/<slug:slug>/coordinate/referrals/<int:referral_id>/",
        referrals.referral_detail,
        name="referral_detail",
    ),
    path(
        "c/<slug:slug>/coordinate/referrals/<int:referral_id>/status/",
        referrals.referral_status,
        name="referral_status",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/referrals/",
        referrals.agency_referrals,
        name="agency_referrals",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/referrals/new/",
        referrals.referral_create,
        name="referral_create",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/assessments/",
        assessments.agency_assessments,
        name="agency_assessments",
    ),
    path(
        "c/<slug:slug>/agencies/<slug:agency_slug>/assessments/new/",
        assessments.assessment_create,
        name="assessment_create",
    ),
    path(
        "c/<slug:slug>/coordinate/introductions/", coordination.introductions, name="introductions"
    ),
    path(
        "c/<slug:slug>/coordinate/introductions/new/",
        coordination.introduction_new,
        name="introduction_new",
    ),
    path("c/<slug:slug>/coordinate/pass-on/", coordination.pass_on, name="pass_on"),
    path(
        "c/<slug:slug>/coordinate/pass-on/<int:message_id>/",
        coordination.message_passed_on,
        name="message_passed_on",
    ),
    path(
        "c/<slug:slug>/coordinate/exchanges/<int:exchange_id>/settle/",
        exchanges.exchange_settle,
        name="exchange_settle",
    ),
    path(
        "c/<slug:slug>/coordinate/exchanges/<int:exchange_id>/reverse/",
        exchanges.exchange_reverse,
        name="exchange_reverse",
    ),
    path("c/<slug:slug>/coordinate/categories/", listings.category_add, name="category_add"),
    path(
        "c/<slug:slug>/coordinate/neighbourhoods/", listings.neighbourhoods, name="neighbourhoods"
    ),
    path(
        "c/<slug:slug>/coordinate/neighbourhoods/<int:neighbourhood_id>/",
        listings.neighbourhood_edit,
        name="neighbourhood_edit",
    ),
    path("c/<slug:slug>/coordinate/search/", coordination.member_search, name="member_search"),
    path("c/<slug:slug>/coordinate/reports/", messaging.reports, name="message_reports"),
    path(
        "c/<slug:slug>/coordinate/reports/<int:report_id>/handled/",
        messaging.report_handled,
        name="report_handled",
    ),
    path(
        "c/<slug:slug>/coordinate/relays/<int:relay_id>/passed-on/",
        coordination.relay_passed_on,
        name="relay_passed_on",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/",
        coordination.application_list,
        name="application_list",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/",
        coordination.application_detail,
        name="application_detail",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/notes/",
        coordination.application_note,
        name="application_note",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/references/",
        coordination.application_reference,
        name="application_reference",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/checks/",
        coordination.application_check,
        name="application_check",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/approve/",
        coordination.application_approve,
        name="application_approve",
    ),
    path(
        "c/<slug:slug>/coordinate/applications/<int:application_id>/decline/",
        coordination.application_decline,
        name="application_decline",
    ),
    # Sanctions (issue 12)
    path("c/<slug:slug>/sanctions/", sanctions.sanction_list, name="sanctions"),
    path("c/<slug:slug>/sanctions/new/", sanctions.sanction_new, name="sanction_new"),
    path("c/<slug:slug>/sanctions/<int:number>/", sanctions.sanction, name="sanction"),
    path(
        "c/<slug:slug>/sanctions/<int:number>/appeal/",
        sanctions.sanction_appeal,
        name="sanction_appeal",
    ),
    path(
        "c/<slug:slug>/sanctions/<int:number>/outcome/",
        sanctions.sanction_outcome,
        name="sanction_outcome",
    ),
    path(
        "c/<slug:slug>/sanctions/<int:number>/lift/",
        sanctions.sanction_lift,
        name="sanction_lift",
    ),
]

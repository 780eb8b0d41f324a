"""Listings shown to "Allied communities too" become "Members of this community".

Allied communities are not connected yet (federation is a later capability), so such a listing
was in fact seen by this community's members only; the form no longer offers the choice and the
services refuse it. This says so in the data: each one is changed to `community` with an audit
row (`listing.update`, by nobody, with the reason), so the owner's history shows why. The seeder
and the demo no longer make them. Not reversed: going back leaves them as members-only."""

from django.db import migrations

NOTE = "Allied communities are not connected yet, so it was shown to members of this community only; now it says so."
BATCH = 1000


def up(apps, schema_editor):
    Listing = apps.get_model("exchanges", "Listing")
    AuditEvent = apps.get_model("core", "AuditEvent")
    while True:
        rows = list(Listing.objects.filter(visibility="allied").order_by("pk")
                    .values_list("pk", "community_id", "owner_id")[:BATCH])
        if not rows:
            return
        Listing.objects.filter(pk__in=[pk for pk, _, _ in rows], visibility="allied").update(visibility="community")
        AuditEvent.objects.bulk_create([
            AuditEvent(community_id=community_id, subject_type="exchanges.listing", subject_id=str(pk),
                       person_id=owner_id, action="listing.update", changes={"visibility": ["allied", "community"]},
                       note=NOTE)
            for pk, community_id, owner_id in rows
        ])


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0008_sqlite_search_lexicon"), ("core", "0001_initial")]
    operations = [migrations.RunPython(up, migrations.RunPython.noop, elidable=False)]

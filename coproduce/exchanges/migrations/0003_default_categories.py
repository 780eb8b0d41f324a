"""The default taxonomy every community shares (community is NULL). Communities add their own
with `category_add`."""

from django.db import migrations
from django.utils.text import slugify

DEFAULTS = {
    "home": ["Cleaning and tidying", "DIY and small repairs", "Decorating", "Cooking and meals",
             "Sewing and mending"],
    "garden": ["Gardening", "Lawn mowing", "Allotment and growing food", "Houseplants"],
    "transport": ["Lifts to appointments", "Shopping trips", "Moving and carrying", "Bike repair"],
    "learning": ["Languages and conversation", "Homework help", "Music lessons", "Reading and writing"],
    "care": ["Befriending and company", "Phone calls", "Walks and outings", "Pet care", "Childminding"],
    "health": ["Exercise and movement", "Relaxation and wellbeing", "Hairdressing and beauty",
               "Accompanying to hospital"],
    "digital": ["Computer help", "Phones and tablets", "Internet and email", "Video calls"],
    "creative": ["Arts and crafts", "Photography", "Knitting and crochet", "Writing and storytelling"],
    "admin": ["Form filling", "Letter writing", "Budgeting", "Translation and interpreting"],
    "community": ["Event help", "Litter picking", "Befriending newcomers", "Group activities"],
}


def load(apps, schema_editor):
    Category = apps.get_model("exchanges", "Category")
    Category.objects.bulk_create(
        [Category(community=None, group=group, slug=slugify(name), name=name)
         for group, names in DEFAULTS.items() for name in names]
    )


def unload(apps, schema_editor):
    apps.get_model("exchanges", "Category").objects.filter(community=None).delete()


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0002_listings")]
    operations = [migrations.RunPython(load, unload)]

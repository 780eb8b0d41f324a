"""A labelled set for the matcher: offers (category slug, title, description) and, for each,
requests a person might write whose good match is that offer. 40 offers, 120 requests.
Written by hand in the words residents use; the matcher never sees the labels.

`build_labelled` posts them in a community (each listing by its own member, with random
availability and a map point within a few km) and `recall_at` measures a matcher on them; the
lexical and the semantic matcher's tests share both."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.selectors import matching
from coproduce.exchanges.services import listings as listings_services
from tests.conftest import make_person

SLOTS = ["mon-am", "tue-am", "wed-pm", "thu-eve", "fri-am", "sat-pm"]

OFFERS = {
    "garden-tidy": (
        "gardening",
        "Weeding and tidying small gardens",
        "Weeding, pruning and clearing leaves. I bring my own tools.",
    ),
    "lawn": (
        "lawn-mowing",
        "Lawn mowing with my own mower",
        "I can mow small lawns and strim the edges every couple of weeks.",
    ),
    "allotment": (
        "allotment-and-growing-food",
        "Growing vegetables, tips and a hand",
        "Twenty years on an allotment: seeds, compost, raised beds.",
    ),
    "houseplants": (
        "houseplants",
        "Houseplant care and repotting",
        "Sickly plants revived, repotting and cuttings.",
    ),
    "laptop": (
        "computer-help",
        "Help with laptops and email",
        "Setting up email, printers and staying safe from scams online.",
    ),
    "phone": (
        "phones-and-tablets",
        "Smartphone and tablet basics",
        "Texts, photos, apps and WhatsApp, at your pace.",
    ),
    "video": (
        "video-calls",
        "Video calls with family",
        "Zoom, FaceTime and WhatsApp video set up so you can see the grandchildren.",
    ),
    "internet": (
        "internet-and-email",
        "Getting online: broadband and wifi",
        "Choosing broadband, setting up the router and wifi.",
    ),
    "lifts": (
        "lifts-to-appointments",
        "Lifts to the surgery and hospital",
        "Weekday lifts to GP and hospital appointments; wheelchair fits in the boot.",
    ),
    "shopping": (
        "shopping-trips",
        "Weekly lift to the supermarket",
        "I drive to the big supermarket every Friday and can take you and carry the bags.",
    ),
    "moving": (
        "moving-and-carrying",
        "Strong arms for moving furniture",
        "Carrying boxes and furniture, loading a van, moving house.",
    ),
    "bikes": (
        "bike-repair",
        "Bike repairs and puncture fixing",
        "Brakes, gears, chains and punctures fixed.",
    ),
    "polish": (
        "languages-and-conversation",
        "Polish conversation practice",
        "Native Polish speaker, conversation for learners.",
    ),
    "english": (
        "languages-and-conversation",
        "English conversation for new arrivals",
        "Practise speaking English over a cup of tea; all levels welcome.",
    ),
    "homework": (
        "homework-help",
        "Maths homework help",
        "Retired maths teacher: primary and GCSE maths, fractions to algebra.",
    ),
    "guitar": (
        "music-lessons",
        "Beginner guitar lessons",
        "Chords and strumming for complete beginners; I can lend a guitar.",
    ),
    "piano": (
        "music-lessons",
        "Piano for beginners",
        "Learn to read music and play simple tunes on the piano.",
    ),
    "reading": (
        "reading-and-writing",
        "Reading with children",
        "Listening to children read and sharing stories to build confidence.",
    ),
    "befriend": (
        "befriending-and-company",
        "A cup of tea and a chat",
        "Regular visits for company and conversation for anyone feeling lonely.",
    ),
    "calls": (
        "phone-calls",
        "Friendly weekly phone call",
        "A regular phone call for a chat and a check-in.",
    ),
    "walks": (
        "walks-and-outings",
        "Walks and outings",
        "Gentle walks in the park and trips out to the seaside or a cafe.",
    ),
    "dogs": (
        "pet-care",
        "Dog walking and pet sitting",
        "Walking dogs and feeding cats while you are away.",
    ),
    "kids": (
        "childminding",
        "Babysitting in the evenings",
        "DBS-checked mum of three, happy to babysit so you can go out.",
    ),
    "exercise": (
        "exercise-and-movement",
        "Chair exercises and gentle stretching",
        "Gentle exercise for older people to keep moving.",
    ),
    "relax": (
        "relaxation-and-wellbeing",
        "Relaxation and mindfulness",
        "Breathing exercises and mindfulness to help with stress and sleep.",
    ),
    "hair": (
        "hairdressing-and-beauty",
        "Haircuts at home",
        "Retired hairdresser: trims and sets for people who can't get to a salon.",
    ),
    "hospital": (
        "accompanying-to-hospital",
        "Company at hospital appointments",
        "I can sit with you at outpatients and help you remember what the doctor said.",
    ),
    "cleaning": (
        "cleaning-and-tidying",
        "Cleaning and decluttering",
        "Help to clean, tidy and sort cupboards and clutter.",
    ),
    "diy": (
        "diy-and-small-repairs",
        "Small repairs: shelves, taps and curtain rails",
        "Putting up shelves, fixing dripping taps, hanging curtains and pictures.",
    ),
    "decorating": (
        "decorating",
        "Painting and decorating",
        "Painting walls and ceilings, wallpapering a room.",
    ),
    "cooking": (
        "cooking-and-meals",
        "Batch cooking healthy meals",
        "Cooking meals for the freezer together.",
    ),
    "sewing": (
        "sewing-and-mending",
        "Sewing and mending clothes",
        "Taking up trousers, sewing buttons, repairing torn clothes.",
    ),
    "crafts": (
        "arts-and-crafts",
        "Card making and crafts",
        "Making cards, collage and painting together.",
    ),
    "photos": (
        "photography",
        "Photography tips and old photos",
        "Help taking better photos and scanning old family photographs.",
    ),
    "knitting": (
        "knitting-and-crochet",
        "Knitting and crochet for beginners",
        "Learn to knit a scarf or crochet a blanket.",
    ),
    "forms": (
        "form-filling",
        "Help with benefit and council forms",
        "Filling in benefits, blue badge, housing and council tax forms.",
    ),
    "letters": (
        "letter-writing",
        "Writing letters and reading post",
        "Help reading official letters and writing replies.",
    ),
    "budget": (
        "budgeting",
        "Budgeting and bills",
        "Sorting household bills, making a budget and cutting energy costs.",
    ),
    "translate": (
        "translation-and-interpreting",
        "Bengali and Urdu interpreting",
        "I can interpret at the GP, hospital or school in Bengali and Urdu.",
    ),
    "events": (
        "event-help",
        "Setting up community events",
        "Putting out tables and chairs, running the tea urn at events.",
    ),
}

# (request title, request description, category slug the person picked, the good offer)
REQUESTS = [
    (
        "Garden has got overgrown",
        "After my hip operation the weeds have taken over the back garden.",
        "gardening",
        "garden-tidy",
    ),
    (
        "Help pruning roses and hedges",
        "The hedge and rose bushes need cutting back.",
        "gardening",
        "garden-tidy",
    ),
    (
        "Someone to clear autumn leaves",
        "The front path is covered in leaves.",
        "gardening",
        "garden-tidy",
    ),
    (
        "Grass needs cutting",
        "My lawn is too long and I can't push the mower any more.",
        "lawn-mowing",
        "lawn",
    ),
    ("Mow the lawn once a fortnight", "Small back lawn, I have no mower.", "gardening", "lawn"),
    (
        "Strimming the edges of the lawn",
        "Just the edges and the grass by the fence.",
        "lawn-mowing",
        "lawn",
    ),
    (
        "Advice on growing tomatoes",
        "First year growing vegetables, what am I doing wrong?",
        "allotment-and-growing-food",
        "allotment",
    ),
    (
        "Help setting up raised beds",
        "I want to grow my own veg in raised beds.",
        "gardening",
        "allotment",
    ),
    ("Compost bin advice", "How do I start composting?", "allotment-and-growing-food", "allotment"),
    (
        "My plants keep dying",
        "Indoor plants with yellow leaves, help!",
        "houseplants",
        "houseplants",
    ),
    (
        "Repot a big house plant",
        "My cheese plant needs a bigger pot.",
        "houseplants",
        "houseplants",
    ),
    (
        "Taking cuttings from plants",
        "How do I grow new plants from cuttings?",
        "houseplants",
        "houseplants",
    ),
    (
        "Help setting up a new laptop",
        "My son bought me a laptop, I need email set up.",
        "computer-help",
        "laptop",
    ),
    (
        "Printer won't work with computer",
        "The printer doesn't print from my laptop.",
        "computer-help",
        "laptop",
    ),
    (
        "Worried about scam emails",
        "How do I tell if an email is a scam?",
        "internet-and-email",
        "laptop",
    ),
    (
        "Learn to use my smartphone",
        "New phone, I can only answer calls.",
        "phones-and-tablets",
        "phone",
    ),
    (
        "Set up WhatsApp on my phone",
        "My grandchildren want me on WhatsApp.",
        "phones-and-tablets",
        "phone",
    ),
    (
        "Help with apps on my tablet",
        "How do I download apps on the tablet?",
        "phones-and-tablets",
        "phone",
    ),
    (
        "Video calls to my family abroad",
        "I want to see my daughter in Canada on video.",
        "video-calls",
        "video",
    ),
    (
        "FaceTime with grandchildren",
        "Can someone show me FaceTime on my iPad?",
        "phones-and-tablets",
        "video",
    ),
    ("Zoom for the church meeting", "I need to join a Zoom meeting.", "video-calls", "video"),
    (
        "Set up broadband and wifi",
        "Moved flat, need wifi set up.",
        "internet-and-email",
        "internet",
    ),
    (
        "Which broadband should I choose",
        "Confused by broadband deals.",
        "internet-and-email",
        "internet",
    ),
    ("Router not working", "The wifi router keeps dropping.", "computer-help", "internet"),
    (
        "Lift to the eye clinic",
        "Appointment at the hospital eye clinic, can't drive after drops.",
        "lifts-to-appointments",
        "lifts",
    ),
    (
        "Lift to the GP surgery",
        "I need to get to the surgery for a blood test.",
        "lifts-to-appointments",
        "lifts",
    ),
    (
        "Transport to hospital appointment",
        "Outpatient appointment, I use a wheelchair.",
        "accompanying-to-hospital",
        "lifts",
    ),
    (
        "Lift to the supermarket",
        "I can't carry heavy shopping on the bus.",
        "shopping-trips",
        "shopping",
    ),
    (
        "Help with the weekly shop",
        "Someone to take me food shopping once a week.",
        "shopping-trips",
        "shopping",
    ),
    (
        "Carry shopping bags home",
        "The bags from the supermarket are too heavy.",
        "moving-and-carrying",
        "shopping",
    ),
    (
        "Help moving house",
        "Moving to a ground-floor flat, about 20 boxes.",
        "moving-and-carrying",
        "moving",
    ),
    (
        "Move a sofa upstairs",
        "Need two strong people to carry a sofa.",
        "moving-and-carrying",
        "moving",
    ),
    (
        "Loading a van for a move",
        "Moving furniture into a hired van.",
        "moving-and-carrying",
        "moving",
    ),
    ("Puncture on my bike", "Flat tyre, don't know how to fix it.", "bike-repair", "bikes"),
    (
        "Bike brakes need fixing",
        "The brakes on my bicycle are squeaking and weak.",
        "bike-repair",
        "bikes",
    ),
    ("Gears slipping on bicycle", "My bike gears keep slipping.", "bike-repair", "bikes"),
    (
        "Practise my Polish",
        "I'm learning Polish for my partner's family.",
        "languages-and-conversation",
        "polish",
    ),
    (
        "Polish speaker to chat with",
        "Beginner in Polish, looking for conversation.",
        "languages-and-conversation",
        "polish",
    ),
    (
        "Learn some Polish phrases",
        "Going to Krakow, want basic Polish.",
        "languages-and-conversation",
        "polish",
    ),
    (
        "English conversation practice",
        "I am learning English and want to speak more.",
        "languages-and-conversation",
        "english",
    ),
    (
        "Improve my spoken English",
        "New to the UK, my English speaking is weak.",
        "languages-and-conversation",
        "english",
    ),
    (
        "Someone to practise English with",
        "Conversation in English over tea.",
        "languages-and-conversation",
        "english",
    ),
    (
        "Maths homework help for my son",
        "Year 9, struggling with algebra.",
        "homework-help",
        "homework",
    ),
    ("GCSE maths tutoring", "Need help revising for GCSE maths.", "homework-help", "homework"),
    (
        "Help with fractions",
        "My daughter doesn't understand fractions.",
        "homework-help",
        "homework",
    ),
    ("Learn to play guitar", "Always wanted to play guitar.", "music-lessons", "guitar"),
    (
        "Guitar chords for beginners",
        "I have a guitar but can't play any chords.",
        "music-lessons",
        "guitar",
    ),
    ("Strumming lessons", "Help me learn to strum songs.", "music-lessons", "guitar"),
    ("Piano lessons", "I'd like to learn piano.", "music-lessons", "piano"),
    ("Learn to read music", "Reading sheet music for the piano.", "music-lessons", "piano"),
    ("Play simple tunes on the keyboard", "Beginner on piano keyboard.", "music-lessons", "piano"),
    (
        "Reading with my daughter",
        "Year 3, needs confidence reading books.",
        "reading-and-writing",
        "reading",
    ),
    ("Listen to my son read", "He needs to read aloud every day.", "homework-help", "reading"),
    (
        "Storytime for children",
        "Someone to share stories with my kids.",
        "reading-and-writing",
        "reading",
    ),
    (
        "Someone to visit for a chat",
        "I live alone and get lonely.",
        "befriending-and-company",
        "befriend",
    ),
    (
        "Company in the afternoons",
        "A visitor for a cup of tea now and then.",
        "befriending-and-company",
        "befriend",
    ),
    (
        "Feeling lonely since my wife died",
        "Would like some company.",
        "befriending-and-company",
        "befriend",
    ),
    ("Regular phone call check-in", "A call every week would be nice.", "phone-calls", "calls"),
    ("Someone to ring me", "I can't get out, a phone chat would help.", "phone-calls", "calls"),
    ("Weekly telephone chat", "For my mum who lives alone.", "befriending-and-company", "calls"),
    ("Walk in the park", "I'd like company on a gentle walk.", "walks-and-outings", "walks"),
    ("Trip to the seaside", "Haven't been out of town for years.", "walks-and-outings", "walks"),
    ("Outing to a cafe", "Someone to go out for coffee with.", "walks-and-outings", "walks"),
    ("Dog walker needed", "My dog needs a walk while I recover.", "pet-care", "dogs"),
    ("Feed my cat while I'm away", "Away for a week, cat needs feeding.", "pet-care", "dogs"),
    ("Walk my spaniel", "Twice a week, friendly dog.", "pet-care", "dogs"),
    ("Babysitter for an evening", "Need someone to look after the kids.", "childminding", "kids"),
    ("Childcare while I go to a class", "Two children, Tuesday evenings.", "childminding", "kids"),
    ("Look after my toddler", "For an hour while I go to the dentist.", "childminding", "kids"),
    ("Gentle exercise", "I want to keep moving but I'm 85.", "exercise-and-movement", "exercise"),
    (
        "Stretching for stiff joints",
        "Exercises for arthritis.",
        "exercise-and-movement",
        "exercise",
    ),
    ("Chair-based exercise class", "I can't stand for long.", "exercise-and-movement", "exercise"),
    ("Help with stress", "I can't sleep with worry.", "relaxation-and-wellbeing", "relax"),
    ("Learn mindfulness", "Someone to teach me mindfulness.", "relaxation-and-wellbeing", "relax"),
    ("Breathing exercises for anxiety", "Anxious a lot.", "relaxation-and-wellbeing", "relax"),
    ("Haircut at home", "I can't get to the hairdresser.", "hairdressing-and-beauty", "hair"),
    ("Trim my hair", "Housebound and my hair is too long.", "hairdressing-and-beauty", "hair"),
    ("Hair set for a wedding", "I'd like my hair set.", "hairdressing-and-beauty", "hair"),
    (
        "Someone to come to hospital with me",
        "Outpatients appointment, I get confused.",
        "accompanying-to-hospital",
        "hospital",
    ),
    (
        "Company at the doctor's",
        "To help me remember what the doctor says.",
        "accompanying-to-hospital",
        "hospital",
    ),
    (
        "Sit with me at the clinic",
        "Long wait at the clinic, I'd like company.",
        "befriending-and-company",
        "hospital",
    ),
    (
        "Help cleaning the kitchen",
        "I can't reach to clean properly.",
        "cleaning-and-tidying",
        "cleaning",
    ),
    (
        "Declutter the spare room",
        "Too much stuff, need help sorting.",
        "cleaning-and-tidying",
        "cleaning",
    ),
    ("Tidy up before visitors", "House needs a tidy.", "cleaning-and-tidying", "cleaning"),
    ("Put up two shelves", "Shelves bought, need a drill.", "diy-and-small-repairs", "diy"),
    ("Fix a dripping tap", "Kitchen tap drips all night.", "diy-and-small-repairs", "diy"),
    (
        "Hang curtains and pictures",
        "New curtain rail needs putting up.",
        "diy-and-small-repairs",
        "diy",
    ),
    ("Paint my bedroom", "Walls need painting.", "decorating", "decorating"),
    ("Wallpaper a room", "Help hanging wallpaper.", "decorating", "decorating"),
    ("Paint the ceiling", "Can't reach the ceiling.", "decorating", "decorating"),
    (
        "Cook meals for the freezer",
        "Help making meals for the week.",
        "cooking-and-meals",
        "cooking",
    ),
    ("Learn to cook healthy food", "Only eat ready meals.", "cooking-and-meals", "cooking"),
    ("Batch cooking", "Cook a big batch together.", "cooking-and-meals", "cooking"),
    ("Take up trousers", "Two pairs of trousers too long.", "sewing-and-mending", "sewing"),
    ("Sew buttons back on", "Several shirts missing buttons.", "sewing-and-mending", "sewing"),
    ("Repair a torn coat", "The lining of my coat is torn.", "sewing-and-mending", "sewing"),
    ("Card making", "Want to make birthday cards.", "arts-and-crafts", "crafts"),
    ("Painting for fun", "Someone to do art with.", "arts-and-crafts", "crafts"),
    ("Crafts with my grandchildren", "Ideas for crafts together.", "arts-and-crafts", "crafts"),
    ("Scan old family photos", "Boxes of old photographs to save.", "photography", "photos"),
    ("Take better photos on my camera", "My photos are always blurry.", "photography", "photos"),
    ("Photograph my garden", "Want nice photos of my flowers.", "photography", "photos"),
    ("Learn to knit", "I want to knit a scarf.", "knitting-and-crochet", "knitting"),
    ("Crochet a blanket", "Teach me crochet please.", "knitting-and-crochet", "knitting"),
    ("Knitting help", "Dropped stitches everywhere.", "knitting-and-crochet", "knitting"),
    ("Blue badge application", "The online form is too hard.", "form-filling", "forms"),
    ("Fill in a benefits form", "PIP form, very long.", "form-filling", "forms"),
    ("Council tax form help", "I don't understand the council tax form.", "form-filling", "forms"),
    ("Read my post with me", "My eyesight is bad, letters pile up.", "letter-writing", "letters"),
    (
        "Write a letter to the council",
        "Need to complain about repairs.",
        "letter-writing",
        "letters",
    ),
    (
        "Reply to an official letter",
        "Letter from the bank I don't understand.",
        "letter-writing",
        "letters",
    ),
    ("Help with household bills", "Bills are getting on top of me.", "budgeting", "budget"),
    ("Make a budget", "I want to plan my money.", "budgeting", "budget"),
    ("Cut my energy bills", "Electricity costs too much.", "budgeting", "budget"),
    (
        "Bengali interpreter at GP",
        "My mother speaks only Bengali.",
        "translation-and-interpreting",
        "translate",
    ),
    (
        "Urdu interpreting at school",
        "Parents' evening, need Urdu.",
        "translation-and-interpreting",
        "translate",
    ),
    (
        "Interpreter for hospital",
        "Appointment, I speak Bengali.",
        "translation-and-interpreting",
        "translate",
    ),
    ("Help set up the summer fair", "Tables and chairs to put out.", "event-help", "events"),
    ("Volunteers for the coffee morning", "Running the tea urn.", "event-help", "events"),
    ("Set up the hall for a party", "Chairs and tables for 50.", "event-help", "events"),
]


def _member(community, name):
    person = make_person(None, name)
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def _post(community, owner, kind, category, title, description, rng):
    return listings_services.listing_create(
        actor=owner,
        community=community,
        kind=kind,
        category=category,
        title=title,
        description=description,
        expires_at=timezone.now() + dt.timedelta(days=60),
        availability=rng.sample(SLOTS, 2),
        lat=51.5 + rng.uniform(-0.03, 0.03),
        lng=-0.12 + rng.uniform(-0.04, 0.04),
    )


def build_labelled(community):
    """Every offer of the labelled set by its own member, and each request by its own member.
    Returns [(request listing, its good offer listing)]."""
    rng = random.Random(7)
    offers = {}
    for key, (category, title, description) in OFFERS.items():
        offers[key] = _post(
            community,
            _member(community, f"Offer {key}"),
            "offer",
            category,
            title,
            description,
            rng,
        )
    pairs = []
    for i, (title, description, category, good) in enumerate(REQUESTS):
        request = _post(
            community,
            _member(community, f"Asker {i}"),
            "request",
            category,
            title,
            description,
            rng,
        )
        pairs.append((request, offers[good]))
    return pairs


def recall_at(pairs, viewer, k):
    """Share of the requests whose good offer is among the matcher's first k."""
    hits = 0
    for request, good in pairs:
        found = [m.listing.pk for m in matching.matches_for(request, viewer, limit=k)]
        hits += good.pk in found
    return hits / len(pairs)

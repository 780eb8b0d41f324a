"""Every write about exchanges and listings, a module per area: exchanges (recording), answers
(confirming, declining, disputes, reversal), references, fund, listings, reminders, images,
embeddings and lexicon. Callers import the area module."""

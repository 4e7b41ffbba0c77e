"""The extractive reader and the NLI model (fine-tuned from all-MiniLM-L6-v2)."""

"""Fine-tuning of kgqa's reader (extractive QA) and NLI model from all-MiniLM-L6-v2."""

from kgqa.train.args import TrainArgs

__all__ = ["TrainArgs"]

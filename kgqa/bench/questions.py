"""General questions about the default world (writers, works, countries, capitals, scientists,
inventions, planets) with reference answers, for ``kgqa bench speed``.

They are ordinary encyclopaedic questions written without looking at what the
pipeline answers; the references list the accepted surface forms of the true answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchQuestion:
    """A question, its accepted answers, and its topic."""

    id: str
    question: str
    answers: tuple[str, ...]
    topic: str


_RAW: list[tuple[str, str, tuple[str, ...]]] = [
    # writers and works
    ("writers", "Who wrote Hamlet?", ("William Shakespeare", "Shakespeare")),
    ("writers", "Who wrote Pride and Prejudice?", ("Jane Austen", "Austen")),
    ("writers", "Who wrote War and Peace?", ("Leo Tolstoy", "Tolstoy")),
    ("writers", "Who wrote Don Quixote?", ("Miguel de Cervantes", "Cervantes")),
    ("writers", "Who wrote the Divine Comedy?", ("Dante Alighieri", "Dante")),
    ("writers", "Who wrote Faust?", ("Johann Wolfgang von Goethe", "Goethe")),
    ("writers", "Who wrote Crime and Punishment?", ("Fyodor Dostoevsky", "Dostoevsky", "Dostoyevsky")),
    ("writers", "Who wrote Oliver Twist?", ("Charles Dickens", "Dickens")),
    ("writers", "Who wrote Les Misérables?", ("Victor Hugo", "Hugo")),
    ("writers", "Who composed The Magic Flute?", ("Wolfgang Amadeus Mozart", "Mozart")),
    ("writers", "Who painted the Mona Lisa?", ("Leonardo da Vinci", "Leonardo")),
    ("writers", "Where was William Shakespeare born?", ("Stratford-upon-Avon", "Stratford")),
    ("writers", "In which city was Mozart born?", ("Salzburg",)),
    # countries and capitals
    ("capitals", "What is the capital of France?", ("Paris",)),
    ("capitals", "What is the capital of Germany?", ("Berlin",)),
    ("capitals", "What is the capital of Japan?", ("Tokyo",)),
    ("capitals", "What is the capital of Australia?", ("Canberra",)),
    ("capitals", "What is the capital of Canada?", ("Ottawa",)),
    ("capitals", "What is the capital of Brazil?", ("Brasília", "Brasilia")),
    ("capitals", "What is the capital of Egypt?", ("Cairo",)),
    ("capitals", "What is the capital of Kenya?", ("Nairobi",)),
    ("capitals", "What is the capital of Argentina?", ("Buenos Aires",)),
    ("capitals", "What is the capital of India?", ("New Delhi",)),
    ("capitals", "What is the capital of Poland?", ("Warsaw",)),
    ("countries", "Which country is Vienna the capital of?", ("Austria",)),
    ("countries", "On which continent is Nigeria?", ("Africa",)),
    ("countries", "In which country is Mumbai?", ("India",)),
    ("countries", "What is the largest country in the world by area?", ("Russia",)),
    ("countries", "Which ocean lies between Europe and North America?", ("Atlantic Ocean", "Atlantic")),
    # scientists and inventions
    ("scientists", "Who developed the theory of relativity?", ("Albert Einstein", "Einstein")),
    ("scientists", "In which city was Albert Einstein born?", ("Ulm",)),
    ("scientists", "Who formulated the laws of motion and universal gravitation?", ("Isaac Newton", "Newton")),
    ("scientists", "Who discovered penicillin?", ("Alexander Fleming", "Fleming")),
    ("scientists", "Who proposed the theory of evolution by natural selection?", ("Charles Darwin", "Darwin")),
    ("scientists", "Who discovered radium and polonium?", ("Marie Curie", "Curie", "Marie and Pierre Curie")),
    ("scientists", "Where was Marie Curie born?", ("Warsaw",)),
    ("inventions", "Who invented the printing press with movable type in Europe?", ("Johannes Gutenberg", "Gutenberg")),
    ("inventions", "In which city did Johannes Gutenberg work?", ("Mainz",)),
    ("inventions", "Who invented the telephone?", ("Alexander Graham Bell", "Bell")),
    ("inventions", "Who invented the phonograph?", ("Thomas Edison", "Edison")),
    (
        "inventions",
        "Who built the first telescope used to observe the moons of Jupiter?",
        ("Galileo Galilei", "Galileo"),
    ),
    # planets and astronomy
    ("planets", "Which planet is closest to the Sun?", ("Mercury",)),
    ("planets", "What is the largest planet in the Solar System?", ("Jupiter",)),
    ("planets", "Which planet is known as the Red Planet?", ("Mars",)),
    ("planets", "Which planet has the moon Titan?", ("Saturn",)),
    ("planets", "Who discovered Uranus?", ("William Herschel", "Herschel")),
    ("planets", "In what year was Uranus discovered?", ("1781",)),
    ("planets", "Who discovered Pluto?", ("Clyde Tombaugh", "Tombaugh")),
    ("planets", "What is the largest moon of Neptune?", ("Triton",)),
    ("planets", "What are the two moons of Mars?", ("Phobos and Deimos", "Phobos", "Deimos")),
    ("planets", "Who discovered Saturn's moon Titan?", ("Christiaan Huygens", "Huygens")),
    ("planets", "What is the brightest star in the night sky?", ("Sirius",)),
]

#: the built-in question set of ``kgqa bench speed``
QUESTIONS: tuple[BenchQuestion, ...] = tuple(
    BenchQuestion(f"world-{i:03d}", q, answers, topic) for i, (topic, q, answers) in enumerate(_RAW, 1)
)

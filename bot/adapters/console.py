"""The console adapter: the bot in a terminal, with no tokens.

It speaks the same `/touchpoint ...` commands as the chat platforms. When standard input
is not a terminal it reads commands line by line, so sessions can be scripted. A line
ending in a backslash continues on the next line (multi-line quick entry).

A terminal cannot show a picture: a reply's chart is saved as a PNG file (in
``TOUCHPOINT_DATA_DIR``/charts when run from the CLI) and announced by its alt text and path.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.core.catalogue import FormChoices
from bot.core.commands import Context, OpenForm
from bot.core.custom_ids import Verb
from bot.core.delivery import Outgoing, direct_recipient
from bot.core.drafts import FormFields
from bot.core.errors import AmbiguousCustomer, ParseError
from bot.core.interactions import Core, Submission
from bot.core.model import Kind, Team
from bot.core.replies import Image, Line, Link, Reply, Span, UserRef, When

log = logging.getLogger(__name__)

CONSOLE_TEAM = "console:local"
CONSOLE_CHANNEL = "console"
PREFIXES = ("/touchpoint", "/tp")
FORM_FIELDS = (
    ("challenges", "Challenges the customer mentioned", True),
    ("our_promises", "Our promises (end with a due date: “send quote by fri”)", True),
    ("their_promises", "Their promises", True),
    ("difference", "The single thing that would make the biggest difference (≤ 12 words)", False),
    ("notes", "Notes", False),
)
# The optional part, behind one "more?" question so the one-minute path stays as short:
# where on the journey it was, who took part, and the scores.
MORE_FIELDS = (
    ("map_entry", "Touchpoint on the map", False),
    ("stage", "Journey stage", False),
    ("contacts", "With (who at the customer, e.g. Jane Smith (CFO); Raj)", False),
    ("satisfaction", "Satisfaction, CSAT 1-5 (5 very satisfied)", False),
    ("promoter", "Would recommend us, NPS 0-10 (10 surely would)", False),
    ("effort", "Ease, CES 1-7 (7 very easy, 1 very hard)", False),
)
MORE_QUESTION = "More: touchpoint on the map, stage, who took part, CSAT, NPS, CES? (y/N)"


class Cancelled(Exception):
    """The user typed `cancel` inside the form, or a command (``then``) that leaves it."""

    def __init__(self, then: str = "") -> None:
        super().__init__(then)
        self.then = then


# What to type for each button: the command and the letter of the item it acts on.
HINTS = {
    Verb.KEPT: "kept P{}",
    Verb.NOT_KEPT: "notkept P{}",
    Verb.SNOOZE: "snooze P{} tomorrow",
    Verb.ADDRESSED: "addressed C{}",
    Verb.PASS_ON: "pass C{} <to whom>",
}


def render(reply: Reply, tz: str) -> str:
    """Plain text for a terminal."""
    out = [f"== {reply.title} =="]
    for section in reply.sections:
        if section.heading:
            out.append(f"{section.heading}:")
        for item in section.lines:
            indent = "  " if section.heading else ""
            out.append(indent + render_line(item, tz))
    return "\n".join(out)


def default_charts_dir() -> Path:
    return Path(tempfile.gettempdir()) / "touchpoint-charts"


def save_image(image: Image, directory: Path) -> str:
    """Write the picture into ``directory``; the line that tells the reader where it is
    and what it shows. A file that cannot be written is said, not raised: the reply's
    text carries the same figures."""
    name = Path(image.filename).name or "chart.png"  # never a path outside ``directory``
    target = (directory / name).absolute()  # a path to open from any directory
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target.write_bytes(image.png)
    except OSError as exc:
        return f"[chart: {image.alt_text}] could not be saved to {target}: {exc.strerror or exc}"
    return f"[chart: {image.alt_text}] saved to {target}"


def render_line(item: Line, tz: str) -> str:
    text = "".join(_span(span, tz) for span in item.spans)
    if item.actions:
        # A line of several items (the digest's new challenges) names each by its number
        # already: one hint per command, with <n> for the number, rather than one per item.
        several = len({a.target for a in item.actions}) > 1
        hints = " · ".join(
            dict.fromkeys(
                HINTS.get(a.verb, a.verb + " {}").format("<n>" if several else a.target)
                for a in item.actions
                if a.verb is not Verb.SNOOZE or a.option == "tomorrow"
            )
        )
        text += f"   [{hints}]"
    return text


def _span(span: Span, tz: str) -> str:
    if isinstance(span, When):
        local = span.at.astimezone(ZoneInfo(tz))
        return local.strftime("%a %d %b %H:%M" if span.with_time else "%a %d %b %Y")
    if isinstance(span, UserRef):
        return f"@{span.user_id}"
    if isinstance(span, Link):
        return span.url
    return span.text


class ConsoleAdapter:
    def __init__(
        self,
        core: Core,
        *,
        user: str,
        stdin: TextIO,
        stdout: TextIO,
        interactive: bool,
        charts_dir: Path | None = None,
    ) -> None:
        self._facade = core.interactions
        self._charts_dir = charts_dir or default_charts_dir()
        self._uow = core.uow_factory
        self._in = stdin
        self._out = stdout
        self._interactive = interactive
        self.ctx = Context(CONSOLE_TEAM, user, CONSOLE_CHANNEL, "Console")
        self._lines: Iterator[str] = iter(self._in.readline, "")

    # -- output ----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def show(self, reply: Reply) -> None:
        self.say(render(reply, self._team_tz()))
        if reply.image is not None:
            self.say(save_image(reply.image, self._charts_dir))

    def _team_tz(self) -> str:
        with self._uow() as uow:
            team = uow.teams.get(CONSOLE_TEAM)
        return team.timezone if team else "UTC"

    # -- input -------------------------------------------------------------------------------

    def _read(self, prompt: str) -> str | None:
        if self._interactive:
            self._out.write(prompt)
            self._out.flush()
        raw = next(self._lines, None)
        return None if raw is None else raw.rstrip("\r\n")

    def _read_command(self) -> str | None:
        first = self._read("> ")
        if first is None:
            return None
        parts = [first]
        while parts[-1].endswith("\\"):
            parts[-1] = parts[-1][:-1]
            more = self._read("… ")
            if more is None:
                break
            parts.append(more)
        return "\n".join(parts)

    def run(self) -> int:
        self._facade.ensure_team(self.ctx)
        if self._interactive:
            self.say("Touchpoint console. Try `/touchpoint help`; `quit` to leave.")
        while (text := self._read_command()) is not None:
            if text.strip().lower() in {"quit", "exit"}:
                break
            self.handle(text)
        return 0

    def handle(self, text: str) -> None:
        text = text.strip()
        if not text or text.startswith("#"):
            return
        for prefix in PREFIXES:
            if text.lower().startswith(prefix):
                text = text[len(prefix) :]
                break
        result = self._facade.text(self.ctx, text)
        if result.form is not None:
            self._walk_form(result.form)
        elif result.reply is not None:
            self.show(result.reply)

    # -- the form ----------------------------------------------------------------------------

    def _walk_form(self, form: OpenForm) -> None:
        """Ask for each field in turn (an edit offers each current value to keep); on
        errors, ask again for the fields that were wrong."""
        choices = self._facade.form_choices(self.ctx)
        editing = form.edit
        if editing is not None:
            ref = f"T{editing.touchpoint.id}"
            self.say(
                f"Editing {ref}, a {editing.touchpoint.kind.value} with {form.customer} (Enter "
                "keeps what is shown, `-` empties it; `cancel` or any `/touchpoint` command "
                "leaves the form)"
            )
        else:
            self.say(
                f"Touchpoint with {form.customer} (blank to skip; `cancel` or any `/touchpoint` "
                "command leaves the form)"
            )
        try:
            values = self._form_values(form, choices)
            customer = form.customer
            for _ in range(5):
                submission = Submission(
                    customer, FormFields(**values), edit=editing.touchpoint.id if editing else None
                )
                result = self._facade.submit(self.ctx, submission)
                if isinstance(result.error, AmbiguousCustomer):
                    customer = self._choose_customer(result.error)
                elif isinstance(result.error, ParseError):
                    self._fix_fields(result.error, values)
                else:
                    if result.reply is not None:
                        self.show(result.reply)
                    return
            self.say("Too many attempts; nothing was saved.")
        except Cancelled as left:
            self.say("Cancelled; nothing was saved.")
            if left.then:
                self.handle(left.then)

    def _form_values(self, form: OpenForm, choices: FormChoices) -> dict[str, str]:
        if form.edit is not None:
            return self._edited_values(form.edit.values, choices)
        values = {
            "kind": self._ask_kind(form.kind),
            "code": self._ask_code(choices.codes),
        }
        for name, question, multi in FORM_FIELDS:
            values[name] = self._ask(question, multi)
        if self._wants_more(MORE_QUESTION):
            for name, question, _ in MORE_FIELDS:
                values[name] = self._ask_more(name, question, choices)
        return values

    def _edited_values(self, current: FormFields, choices: FormChoices) -> dict[str, str]:
        """Each field with its current value offered: Enter keeps it."""
        values = dataclasses.asdict(current)
        kinds = ", ".join(k.value for k in Kind)
        values["kind"] = self._keep_or(f"Kind ({kinds})", values["kind"], multi=False)
        values["code"] = self._code_answer(
            self._keep_or(self._code_question(choices.codes, ""), values["code"], multi=False),
            choices.codes,
        )
        for name, question, multi in FORM_FIELDS:
            values[name] = self._keep_or(question, values[name], multi=multi)
        shown = " · ".join(
            values[name].replace("\n", "; ") for name, _, _ in MORE_FIELDS if values[name]
        )
        if self._wants_more(f"{MORE_QUESTION.removesuffix(' (y/N)')} [{shown or 'none'}] (y/N)"):
            for name, question, _ in MORE_FIELDS:
                asked = self._with_choices(name, question, choices)
                answer = self._keep_or(asked, values[name].replace("\n", "; "), multi=False)
                values[name] = self._more_answer(name, answer, choices)
        return values

    def _keep_or(self, question: str, current: str, *, multi: bool) -> str:
        """The answer to a question about a field that has ``current``: Enter keeps it,
        `-` empties it; a list field takes a new list, one per line."""
        if multi and current:
            self.say(f"{question} — now:")
            for item in current.split("\n"):
                self.say(f"  · {item}")
            first = self._checked(
                self._read("  Enter keeps these; or the new list, `-` for none: ")
            )
        else:
            now = current.replace("\n", "; ")
            first = self._checked(self._read(f"{question} [{now}]: " if now else f"{question}: "))
        if not first.strip():
            return current
        if first.strip() == "-":
            return ""
        if not multi:
            return first
        lines = [first]
        while more := self._checked(self._read("  - ")).strip():
            lines.append(more)
        return "\n".join(lines)

    def _wants_more(self, question: str) -> bool:
        """A yes/no question; the end of a piped script answers no (the form is complete)."""
        answer = self._read(f"{question} ")
        if answer is None:
            return False
        return self._checked(answer).strip().lower() in {"y", "yes"}

    def _ask_more(self, name: str, question: str, choices: FormChoices) -> str:
        answer = self._ask(self._with_choices(name, question, choices), False)
        return self._more_answer(name, answer, choices)

    @staticmethod
    def _with_choices(name: str, question: str, choices: FormChoices) -> str:
        if name == "map_entry" and choices.places:
            listed = "; ".join(f"{i} {p}" for i, p in enumerate(choices.places, start=1))
            return f"{question} ({listed})"
        if name == "stage" and choices.stages:
            return f"{question} ({', '.join(choices.stages)})"
        return question

    @staticmethod
    def _more_answer(name: str, answer: str, choices: FormChoices) -> str:
        """A map entry may be given by its number; contacts are separated by `;`."""
        answer = answer.strip()
        places = choices.places
        numbered = answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(places)
        if name == "map_entry" and numbered:
            return places[int(answer) - 1]
        if name == "contacts":
            return "\n".join(c.strip() for c in answer.split(";") if c.strip())
        return answer

    def _ask(self, question: str, multi: bool) -> str:
        if not multi:
            answer = self._read(f"{question}: ")
            return self._checked(answer)
        self.say(f"{question} — one per line, blank line to finish:")
        lines: list[str] = []
        while True:
            answer = self._checked(self._read("  - "))
            if not answer.strip():
                return "\n".join(lines)
            lines.append(answer)

    def _checked(self, answer: str | None) -> str:
        """An answer; `cancel`, the end of input or a new command leaves the form."""
        if answer is None or answer.strip().lower() in {"cancel", "/cancel"}:
            raise Cancelled
        if answer.strip().lower().startswith(PREFIXES):
            raise Cancelled(then=answer)
        return answer

    def _ask_kind(self, preset: Kind | None) -> str:
        if preset is not None:
            return preset.value
        kinds = ", ".join(k.value for k in Kind)
        return self._ask(f"Kind ({kinds}) [call]", False) or Kind.CALL.value

    def _ask_code(self, codes: tuple[str, ...]) -> str:
        return self._code_answer(self._ask(self._code_question(codes), False), codes)

    @staticmethod
    def _code_question(codes: tuple[str, ...], blank: str = "; blank for none") -> str:
        listed = "; ".join(f"{i} {c}" for i, c in enumerate(codes, start=1))
        return f"Completion code ({listed}{blank})"

    @staticmethod
    def _code_answer(answer: str, codes: tuple[str, ...]) -> str:
        answer = answer.strip()
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(codes):
            return codes[int(answer) - 1]
        return answer

    def _fix_fields(self, exc: ParseError, values: dict[str, str]) -> None:
        self.say("Please fix:")
        questions = {name: (q, multi) for name, q, multi in FORM_FIELDS}
        more = {name: q for name, q, _ in MORE_FIELDS}
        for name, problem in exc.by_field().items():
            self.say(f"  {name.replace('_', ' ')}: {problem}")
            if name == "code":
                values["code"] = self._ask_code(self._facade.completion_codes(self.ctx))
            elif name == "kind":
                values["kind"] = self._ask_kind(None)
            elif name in questions:
                question, multi = questions[name]
                values[name] = self._ask(question, multi)
            elif name in more:
                values[name] = self._ask_more(name, more[name], self._facade.form_choices(self.ctx))
            else:
                raise Cancelled

    def _choose_customer(self, exc: AmbiguousCustomer) -> str:
        self.say(exc.message)
        for number, candidate in enumerate(exc.candidates, start=1):
            self.say(f"  {number}. {candidate.name}")
        self.say(f"  n. add “{exc.text}” as a new customer")
        answer = self._checked(self._read("Which one? ")).strip().lower()
        if answer == "n":
            return f"+{exc.text}"
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(exc.candidates):
            return exc.candidates[int(answer) - 1].name
        raise Cancelled


class ConsoleNotifier:
    """Posts reminders and digests to the terminal, as they fall due.

    A terminal cannot be asked what it already shows, so after a crash an in-doubt
    console message may print twice; the chat platforms' notifiers can look it up.
    """

    def __init__(self, out: TextIO, charts_dir: Path | None = None) -> None:
        self._out = out
        self._charts_dir = charts_dir or default_charts_dir()
        self._lock = threading.Lock()
        self._sent: dict[str, str] = {}

    def _write(self, text: str) -> None:
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()

    async def send(self, message: Outgoing) -> str:
        ref = f"console:{len(self._sent) + 1}"
        text = f"\n[{where(message.channel)}] " + render(message.reply, message.team.timezone)
        if message.reply.image is not None:
            text += "\n" + save_image(message.reply.image, self._charts_dir)
        self._write(text)
        self._sent[message.key] = ref
        return ref

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        return self._sent.get(message.key)

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        self._write(f"\n[{where(channel)}] (update to {ref}) " + render(reply, team.timezone))


def where(channel: str) -> str:
    """ "#customers", or "direct message to @alice" for a person's own reminders."""
    user = direct_recipient(channel)
    return channel if user is None else f"direct message to @{user}"

"""What the parser understood, before anything is saved.

Both input styles (form fields and quick entry) produce a ``TouchpointDraft``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Challenge, Contact, Direction, Kind, Promise, Touchpoint


@dataclass(frozen=True)
class PromiseDraft:
    text: str  # the promise without its date phrase: "send fibre quote"
    due_at: datetime | None = None  # timezone-aware UTC
    due_phrase: str = ""  # what the user wrote for the date: "by fri"
    owner: str | None = None  # "we: @priya send quote": given to someone else
    # On an edit, the stored promise this line gives back unchanged (its date is not read
    # again: it may have passed since).
    was: int | None = None


@dataclass(frozen=True)
class TouchpointDraft:
    kind: Kind | None = None  # None: not said (the service defaults it)
    code: str | None = None  # as written; the service matches it to the team's codes
    challenges: tuple[str, ...] = ()
    our_promises: tuple[PromiseDraft, ...] = ()
    their_promises: tuple[PromiseDraft, ...] = ()
    difference: str | None = None
    notes: str = ""
    stage: str | None = None  # as ``stage_key`` writes it; the service checks the team has it
    satisfaction: int | None = None
    effort: int | None = None
    occurred_at: datetime | None = None  # "when: fri 4pm": logged after the fact
    owner: str | None = None  # "owner: @priya": who owns our promises
    promoter: int | None = None  # NPS 0-10
    map_entry: str | None = None  # the map entry's name as written ("first invoice")
    contacts: tuple[Contact, ...] = ()

    def touchpoint(
        self,
        team_id: str,
        customer_id: int,
        *,
        author: str,
        at: datetime,
        code: str | None,
        owner: str | None = None,
    ) -> Touchpoint:
        """The touchpoint this draft describes, recorded by ``author`` at ``at``, with the
        team's own spelling of ``code``. Our promises are ``owner``'s (the author's unless
        said), theirs are followed up by the author. Recording and import both build here."""

        at = self.occurred_at or at  # "when: fri 4pm" logs it after the fact
        owner = self.owner or owner

        def promise(direction: Direction, p: PromiseDraft, held_by: str) -> Promise:
            return Promise(team_id, customer_id, direction, p.text, held_by, author, at, p.due_at)

        return Touchpoint(
            team_id=team_id,
            customer_id=customer_id,
            author=author,
            occurred_at=at,
            kind=self.kind or Kind.OTHER,
            code=code,
            notes=self.notes,
            difference=self.difference,
            stage=self.stage,
            satisfaction=self.satisfaction,
            effort=self.effort,
            promoter=self.promoter,
            contacts=self.contacts,
            challenges=[
                Challenge(team_id, customer_id, text, raised_by=author, raised_at=at)
                for text in self.challenges
            ],
            promises=[
                *(
                    promise(Direction.OURS, p, p.owner or owner or author)
                    for p in self.our_promises
                ),
                *(promise(Direction.THEIRS, p, author) for p in self.their_promises),
            ],
        )

    def is_empty(self) -> bool:
        return not (
            self.code
            or self.satisfaction is not None
            or self.effort is not None
            or self.promoter is not None
            or self.map_entry
            or self.contacts
            or self.challenges
            or self.our_promises
            or self.their_promises
            or self.difference
            or self.notes
        )


@dataclass(frozen=True)
class QuickEntry:
    """A quick entry: who the customer is, plus the draft."""

    customer: str  # as typed; "+acme" means "create acme even if it looks like another"
    draft: TouchpointDraft


@dataclass(frozen=True)
class FormFields:
    """The raw text of each form field, as a Slack or Discord modal sends it."""

    kind: str = ""
    code: str = ""
    challenges: str = ""
    our_promises: str = ""
    their_promises: str = ""
    difference: str = ""
    notes: str = ""
    stage: str = ""
    satisfaction: str = ""
    effort: str = ""
    promoter: str = ""
    map_entry: str = ""
    contacts: str = ""  # one per line: "Jane Smith (CFO)"

"""One simulated person in the load case (`bench/load.py`): a browser
context that signs in through the development identity provider, visits
every page of their role, opens the charts of My data and runs a console
query, timing each wait from the click to the end of the script run it
caused, as the portal announces it on the page's websocket."""

from __future__ import annotations

import asyncio
import csv
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import BrowserContext, Page, WebSocket
from playwright.async_api import Error as PlaywrightError

from devtools.run import ends_a_script_run
from queries.console.run import BUSY
from sample_data.people import DemoUser

PAGES = ("Home", "My data", "SQL console", "Who accessed my data", "Deletion requests", "Oversight", "Deletion queue")
ORDER = ("employee, median data", "works-council member", "employee, heavy data", "HR privacy officer",
         "employee, light data", "executive, exempt from collection", "second HR privacy officer")
TABS = {"My data": ("Charts",)}  # a tab runs only when opened: the charts are timed as a visit of their own
SIGNING_IN = "Home (signing in)"
NO_TABLES = "No table in the warehouse holds rows about you"
QUERY = "SQL console (a query)"
BUSY_PAUSE_S = 1.0
WAIT_MS = 180_000  # a page that takes longer counts as an error


@dataclass(frozen=True)
class Person:
    label: str
    claims: dict


@dataclass(frozen=True)
class Visit:
    label: str
    page: str
    round: int
    seconds: float | None
    error: str | None = None


def people(sample: Path, count: int) -> list[Person]:
    """The demo users in `ORDER`, then employees from the directory."""
    demo = {user["label"]: user for user in json.loads((sample / "demo_users.json").read_text())}
    chosen = [Person(label, demo[label]["claims"]) for label in ORDER if label in demo][:count]
    taken = {person.claims.get("employee_id") for person in chosen}
    with open(sample / "directory.csv", newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if len(chosen) >= count:
                break
            if row["employee_id"] not in taken and row["exempt_from_collection"] != "True":
                user = DemoUser(f"employee {row['employee_id']}", row["employee_id"], row["email"], row["name"],
                                ("employees",))
                chosen.append(Person(user.label, user.claims()))
    return chosen


async def _problem_on(page: Page) -> str | None:
    if await page.locator('[data-testid="stException"]').count():
        return "the page shows an exception"
    state = await page.locator('[data-testid="stApp"]').get_attribute("data-test-connection-state")
    return None if state in (None, "CONNECTED") else f"connection {state}"


class Browsing:
    """One person's browser context: signing in, then rounds of visits. A
    script run has ended when the portal says so on the page's websocket
    (Streamlit's `script_finished` message): exact however fast the run."""

    def __init__(self, context: BrowserContext, app_url: str, person: Person):
        self.context, self.app_url, self.person = context, app_url, person
        context.set_default_timeout(WAIT_MS)  # a click, like a page, may wait as long as a person would
        self.page: Page | None = None
        self.pages: list[str] = []
        self.finished = 0
        self.busy = 0  # console attempts refused because it was busy, each one a ledger entry

    def _watch(self, socket: WebSocket) -> None:
        def received(payload: str | bytes) -> None:
            if isinstance(payload, bytes) and ends_a_script_run(payload):
                self.finished += 1
        socket.on("framereceived", received)

    async def _until_run_ends(self, action: Callable[[], Awaitable]) -> float:
        """Seconds from `action` (a click) to the end of the script run it caused."""
        before, started = self.finished, time.perf_counter()
        await action()
        while self.finished <= before:
            if time.perf_counter() - started > WAIT_MS / 1000:
                raise PlaywrightError(f"no script run ended within {WAIT_MS / 1000:.0f} s")
            await asyncio.sleep(0.02)
        return time.perf_counter() - started

    async def _timed(self, name: str, number: int, action: Callable[[], Awaitable[float]]) -> Visit:
        try:
            seconds = await action()
            return Visit(self.person.label, name, number, seconds, await _problem_on(self.page))
        except PlaywrightError as problem:
            return Visit(self.person.label, name, number, None, str(problem).splitlines()[0])

    async def sign_in(self, number: int) -> Visit:
        self.page = page = await self.context.new_page()
        page.on("websocket", self._watch)

        async def through_the_provider() -> float:
            await page.goto(self.app_url, wait_until="domcontentloaded")
            await page.get_by_role("button", name="Sign in with your company account").click()
            await page.wait_for_url("**/oauth2/authorize**")
            chosen = page.locator(f"button[name=sub][value='{self.person.claims['sub']}']")
            seconds = await self._until_run_ends(chosen.click)
            await page.get_by_role("link", name="Home", exact=True).wait_for()
            return seconds

        visit = await self._timed(SIGNING_IN, number, through_the_provider)
        if visit.error is None:
            self.pages = [title for title in PAGES
                          if await page.get_by_role("link", name=title, exact=True).count()]
        return visit

    async def round(self, number: int) -> list[Visit]:
        visits = []
        for title in self.pages:
            link = self.page.get_by_role("link", name=title, exact=True)
            visits.append(await self._timed(title, number, lambda link=link: self._until_run_ends(link.click)))
            for tab in TABS.get(title, ()) if visits[-1].error is None else ():
                opened = self.page.get_by_role("tab", name=tab, exact=True)
                if await opened.get_attribute("aria-selected") == "true":
                    continue  # the page came back on the tab last opened, and its visit ran it
                visits.append(await self._timed(f"{title} › {tab}", number,
                                                lambda opened=opened: self._until_run_ends(opened.click)))
            if title == "SQL console" and visits[-1].error is None:
                visits.append(await self._query(number))
        return [v for v in visits if v is not None]

    async def _query(self, number: int) -> Visit | None:
        """Counts the rows of the person's first table; a person with no
        table has no query to run."""
        tables = self.page.get_by_role("combobox", name=re.compile(r"^Columns of one of your"))
        nothing = self.page.get_by_text(NO_TABLES)
        try:  # the picker's code loads after the run has ended: wait for it, or for the page saying there is none
            await tables.or_(nothing).first.wait_for()
        except PlaywrightError as problem:
            return Visit(self.person.label, QUERY, number, None, f"the console shows no table: {problem}")
        if await nothing.count():
            return None
        label = re.search(r"(\S+) · [\d,]+ rows", await tables.first.input_value())
        if not label:
            return Visit(self.person.label, QUERY, number, None, "the console lists no table name")
        table = label[1]
        editor = self.page.get_by_role("textbox", name="SQL")

        async def run() -> float:
            """As a person would: told the console is busy, wait a moment and
            press Run again (each refused attempt is recorded in the ledger)."""
            await editor.fill(f"SELECT count(*) AS n FROM {table}")
            started, answer = time.perf_counter(), self.page.get_by_text(re.compile(r"^1 rows in"))
            await self._until_run_ends(self.page.get_by_role("button", name="Run").click)
            while await self.page.get_by_text(BUSY).count():
                self.busy += 1
                if time.perf_counter() - started > WAIT_MS / 1000:
                    raise PlaywrightError(f"the console stayed busy for {WAIT_MS / 1000:.0f} s")
                await asyncio.sleep(BUSY_PAUSE_S)
                await self._until_run_ends(self.page.get_by_role("button", name="Run").click)
            message = self.page.locator('[data-testid="stAlert"]')
            try:
                await answer.or_(message).first.wait_for()
            except PlaywrightError:
                raise PlaywrightError(f"after Run the page showed neither a result nor a message for "
                                      f"{WAIT_MS / 1000:.0f} s") from None
            if not await answer.count():
                raise PlaywrightError(f"the console answered: {await message.first.inner_text()}")
            return time.perf_counter() - started

        return await self._timed(QUERY, number, run)

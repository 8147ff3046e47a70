"""The integration checklist in a real browser, offline: statuses drive the summaries, an assessment
saved as a file loads back, it all works from the keyboard, the browser keeps answers between
visits if asked, one theme shows at a time on screen (a link into another shows that one), it prints
every theme with the chosen statuses, and without JavaScript it is still the full list. An item with
factors of its own lists the lessons on them (and the action plan gives it those), one without points
to its area's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from evidencebook.records.kb import load_knowledge_base

from .browser import Page
from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.build]

PAGE = "chapters/checklist.html"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(ROOT)


@pytest.fixture(scope="module")
def checklist(kb):
    return kb.checklist


@pytest.fixture
def new_context(browser):
    contexts = []

    def _new(**options):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, **options
        )
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def open_checklist(new_context, site):
    def _open(context=None, javascript=True) -> Page:
        context = context or new_context(java_script_enabled=javascript)
        page = Page(context.new_page())
        page.page.goto(f"{site}/{PAGE}")
        page.page.wait_for_load_state("load")
        if javascript:
            page.page.wait_for_selector(".kb-checklist-tools:not([hidden])")
        return page

    return _open


def show_theme_of(page: Page, checklist, item_id: str) -> None:
    """Press the button of the theme that holds `item_id`: one theme shows at a time."""
    theme = next(t for t in checklist.themes for a in t.areas for i in a.items if i.id == item_id)
    page.page.locator(".kb-checklist-themes button", has_text=theme.name).click()


def on_screen(page: Page, selector: str) -> bool:
    box = page.page.locator(selector).first.bounding_box()
    return box is not None and 0 <= box["y"] < page.page.viewport_size["height"]


def radio(page: Page, item_id: str, status: str):
    return page.page.locator(f'li[data-item-id="{item_id}"] input[value="{status}"]')


def summary(page: Page, scope: str) -> str:
    return page.page.locator(f'[data-summary-for="{scope}"]').inner_text()


def statuses(page: Page) -> dict[str, str]:
    return page.page.eval_on_selector_all(
        "li.kb-checklist-item",
        "items => Object.fromEntries(items.map(li => [li.dataset.itemId, li.querySelector(':checked').value]))",
    )


def assert_clean(page: Page):
    assert page.external == [], page.external
    assert page.console_errors == [], page.console_errors


def test_setting_statuses_updates_the_area_theme_and_overall_summaries(open_checklist, checklist):
    page = open_checklist()
    theme = checklist.themes[0]
    area = theme.areas[0]
    n_area = len(area.items)
    n_theme = sum(len(a.items) for a in theme.areas)
    n_all = sum(len(a.items) for t in checklist.themes for a in t.areas)
    assert summary(page, area.id).startswith(f"In place: 0 of {n_area} (0%).")
    assert f"Not started: {n_area}." in summary(page, area.id)

    radio(page, area.items[0].id, "in-place").check()
    radio(page, area.items[1].id, "in-place").check()
    radio(page, area.items[2].id, "in-development").check()
    share = round(100 * 2 / n_area)
    assert (
        summary(page, area.id)
        == f"In place: 2 of {n_area} ({share}%). In development: 1. Not started: {n_area - 3}."
    )
    assert summary(page, theme.id).startswith(f"In place: 2 of {n_theme} (")
    assert summary(page, "all").startswith(f"Whole checklist. In place: 2 of {n_all} (")
    # another theme is untouched
    other = checklist.themes[1]
    assert summary(page, other.id).startswith("In place: 0 of")
    assert page.page.locator(f'[data-summary-for="{area.id}"]').get_attribute("aria-live") == "polite"
    assert_clean(page)


def test_an_assessment_saved_as_a_file_loads_back(open_checklist, checklist, tmp_path):
    page = open_checklist()
    items = [i for t in checklist.themes for a in t.areas for i in a.items]
    chosen = {items[0].id: "in-place", items[10].id: "in-development", items[-1].id: "in-place"}
    for item_id, status in chosen.items():
        show_theme_of(page, checklist, item_id)
        radio(page, item_id, status).check()
    page.page.fill("#kb-checklist-partnership", "Sampletown partnership")
    with page.page.expect_download() as download_info:
        page.page.click(".kb-checklist-save")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.startswith("integration-checklist-sampletown-partnership-") and saved.suffix == ".json"
    data = json.loads(saved.read_text())
    assert data["partnership"] == "Sampletown partnership"
    assert len(data["statuses"]) == len(items)
    assert {k: v for k, v in data["statuses"].items() if v != "not-started"} == chosen
    before = statuses(page)
    assert_clean(page)

    # a fresh browser with nothing stored: load the file through the file chooser
    fresh = open_checklist()
    assert set(statuses(fresh).values()) == {"not-started"}
    with fresh.page.expect_file_chooser() as chooser_info:
        fresh.page.click("label[for=kb-checklist-load]")
    chooser_info.value.set_files(str(saved))
    fresh.page.wait_for_function(
        "() => document.querySelector('.kb-checklist-message').textContent.startsWith('Loaded')"
    )
    assert statuses(fresh) == before
    assert fresh.page.input_value("#kb-checklist-partnership") == "Sampletown partnership"
    area = checklist.themes[0].areas[0]
    assert summary(fresh, area.id).startswith(f"In place: 1 of {len(area.items)} ")
    assert_clean(fresh)


def test_a_file_that_is_not_an_assessment_is_refused_and_changes_nothing(open_checklist, checklist, tmp_path):
    page = open_checklist()
    first = checklist.themes[0].areas[0].items[0].id
    radio(page, first, "in-place").check()
    before = statuses(page)
    bad = tmp_path / "not-an-assessment.json"
    bad.write_text(json.dumps({"statuses": {first: "done"}}))
    page.page.set_input_files("#kb-checklist-load", str(bad))
    page.page.wait_for_function(
        "() => document.querySelector('.kb-checklist-message').textContent.startsWith('Could not load')"
    )
    assert "not a saved checklist assessment" in page.page.inner_text(".kb-checklist-message")
    assert statuses(page) == before
    assert_clean(page)


def test_keyboard_alone_sets_statuses_and_saves(open_checklist, checklist):
    page = open_checklist()
    kb_page = page.page
    first = checklist.themes[0].areas[0]

    def tab_to_next_status_control():
        for _ in range(60):  # Tab through the tools and links until a status control
            kb_page.keyboard.press("Tab")
            if kb_page.evaluate("() => document.activeElement.type === 'radio'"):
                return

    kb_page.focus("#kb-checklist-partnership")
    kb_page.keyboard.type("Keyboard place")
    tab_to_next_status_control()
    focused = kb_page.evaluate("() => [document.activeElement.name, document.activeElement.value]")
    assert focused == [f"status-{first.items[0].id}", "not-started"]
    kb_page.keyboard.press("ArrowRight")
    kb_page.keyboard.press("ArrowRight")
    assert radio(page, first.items[0].id, "in-place").is_checked()
    tab_to_next_status_control()  # the next item's group
    assert kb_page.evaluate("() => document.activeElement.name") == f"status-{first.items[1].id}"
    kb_page.keyboard.press("ArrowRight")
    assert radio(page, first.items[1].id, "in-development").is_checked()
    assert summary(page, first.id).startswith(f"In place: 1 of {len(first.items)} ")
    assert "In development: 1." in summary(page, first.id)
    # the save button answers to Enter
    kb_page.focus(".kb-checklist-save")
    with kb_page.expect_download() as download_info:
        kb_page.keyboard.press("Enter")
    assert download_info.value.suggested_filename.startswith("integration-checklist-keyboard-place-")
    assert_clean(page)


def test_answers_are_kept_in_the_browser_only_while_the_reader_allows_it(
    open_checklist, new_context, checklist
):
    context = new_context()
    page = open_checklist(context)
    first = checklist.themes[0].areas[0].items[0].id
    radio(page, first, "in-place").check()
    again = open_checklist(context)
    assert radio(again, first, "in-place").is_checked()
    assert again.page.inner_text(".kb-checklist-message").startswith("Restored")
    again.page.uncheck(".kb-checklist-remember")
    third = open_checklist(context)
    assert radio(third, first, "not-started").is_checked()
    assert not third.page.is_checked(".kb-checklist-remember")
    for p in (page, again, third):
        assert_clean(p)


def test_print_shows_each_items_chosen_status_and_no_tools(open_checklist, checklist):
    page = open_checklist()
    area = checklist.themes[0].areas[0]
    radio(page, area.items[0].id, "in-place").check()
    page.page.emulate_media(media="print")
    item = page.page.locator(f'li[data-item-id="{area.items[0].id}"]')
    assert item.locator(".kb-status-in-place").is_visible()
    assert not item.locator(".kb-status-not-started").is_visible()
    assert not page.page.locator(".kb-checklist-save").is_visible()
    assert page.page.locator(f'[data-summary-for="{area.id}"]').is_visible()


def test_one_theme_shows_at_a_time_and_links_and_print_reach_the_others(open_checklist, checklist, site):
    page = open_checklist()
    first, second, last = checklist.themes[0], checklist.themes[1], checklist.themes[-1]
    item = lambda theme: f'li[data-item-id="{theme.areas[0].items[0].id}"]'  # noqa: E731
    buttons = page.page.locator(".kb-checklist-themes button")
    assert buttons.all_inner_texts() == [t.name for t in checklist.themes]
    assert [b.get_attribute("aria-pressed") for b in buttons.all()] == ["true"] + ["false"] * (len(checklist.themes) - 1)
    assert page.page.is_visible(item(first)) and not page.page.is_visible(item(last))

    buttons.last.click()
    assert page.page.is_visible(item(last)) and not page.page.is_visible(item(first))
    assert buttons.last.get_attribute("aria-pressed") == "true"
    assert page.page.inner_text('[data-summary-for="all"]').startswith(f"Whole checklist. In place: 0 of {sum(len(a.items) for t in checklist.themes for a in t.areas)} ")

    # the end of a theme leads on to the next, scrolled into view
    buttons.first.click()
    page.page.locator(".kb-checklist-next button", has_text=f"Next theme: {second.name}").click()
    assert page.page.is_visible(item(second)) and not page.page.is_visible(item(first))
    assert on_screen(page, f"#theme-{second.id}")

    # a link to an area of a theme not shown shows it, scrolled to the area
    linked = page.page.context.new_page()
    linked.goto(f"{site}/{PAGE}#area-{last.areas[-1].id}")
    linked.wait_for_selector(".kb-checklist-tools:not([hidden])")
    assert linked.is_visible(f'li[data-item-id="{last.areas[-1].items[0].id}"]')
    assert not linked.is_visible(item(first))
    assert on_screen(Page(linked), f"#area-{last.areas[-1].id}")
    linked.close()

    # print has every theme, and no theme buttons
    page.page.emulate_media(media="print")
    assert all(page.page.is_visible(item(theme)) for theme in checklist.themes)
    assert not buttons.first.is_visible() and not page.page.is_visible(".kb-checklist-next")
    assert_clean(page)


def test_without_javascript_the_page_is_the_full_plain_list(open_checklist, checklist):
    page = open_checklist(javascript=False)
    items = [i for t in checklist.themes for a in t.areas for i in a.items]
    listed = page.page.locator("li.kb-checklist-item")
    assert listed.count() == len(items)
    for index in (0, len(items) // 2, len(items) - 1):
        assert listed.nth(index).is_visible()
        assert items[index].locator in listed.nth(index).inner_text()
    assert not page.page.locator(".kb-checklist-tools").is_visible()
    # the status buttons still work by hand, for printing
    radio(page, items[0].id, "in-place").check()
    assert radio(page, items[0].id, "in-place").is_checked()
    assert_clean(page)


# --- each item's own lessons (#21) ---------------------------------------------------------------------

ADDRESSING = ("enabler", "implementation", "barrier")  # what helped, what it took, what held the work back


def plain(text: str) -> str:
    return " ".join(text.split())


def lessons_on(kb, factors) -> list[str]:
    """Computed here from the records: the statements of the lessons on any of `factors` that address an
    item, what helped first, then what it took, then what held the work back (each in record order)."""
    found = [
        (ADDRESSING.index(lesson.type), plain(lesson.statement))
        for record in kb.records.values()
        for lesson in record.lessons
        if lesson.type in ADDRESSING and set(lesson.factors) & set(factors)
    ]
    return [statement for _, statement in sorted(found, key=lambda pair: pair[0])]


def area_factors(kb, area) -> set[str]:
    items = {item.id: item for framework in kb.frameworks for item in framework.items}
    return {f for i in area.framework_items for f in items[i].factors}


def every_item(checklist):
    return [(area, item) for theme in checklist.themes for area in theme.areas for item in area.items]


def chosen_items(kb, checklist):
    """An item with a factor its area has not (its lessons come partly from other areas or the page's
    template) and one of the last theme. Every item names factors of its own (the schema requires them);
    the area pointer an item without would get is tested on a checklist built in code (test_helps.py)."""
    items = every_item(checklist)
    beyond = next(item for area, item in items if set(item.factors) - area_factors(kb, area) and lessons_on(kb, item.factors))
    last = next(item for area, item in reversed(items) if item.factors and lessons_on(kb, item.factors))
    return beyond, last


def test_an_items_lessons_are_the_lessons_on_its_own_factors(open_checklist, kb, checklist):
    page = open_checklist()
    beyond, last = chosen_items(kb, checklist)
    labels = {t.id: t.label for t in kb.vocab("factors").terms}
    for item in (beyond, last):
        expected = lessons_on(kb, item.factors)
        show_theme_of(page, checklist, item.id)
        li = page.page.locator(f'li[data-item-id="{item.id}"]')
        factors = li.locator(".kb-item-factors a").all_inner_texts()
        assert sorted(factors) == sorted(labels[f] for f in item.factors)
        summary = li.locator("details.kb-item-evidence summary")
        assert summary.inner_text() == f"Not in place yet? Lessons that may help ({len(expected)})"
        assert li.locator("details.kb-item-evidence").get_attribute("data-more") is None  # no list is cut at this scale
        summary.click()
        shown = li.locator("details.kb-item-evidence li.kb-checklist-lesson .kb-lesson-statement")
        shown.first.wait_for()
        assert [plain(t) for t in shown.all_inner_texts()] == expected, item.id
        assert shown.first.is_visible()

    # every item names its own factors, so none falls back to its area's pointer
    assert page.page.locator("li.kb-checklist-item").count() == len(every_item(checklist))
    assert page.page.locator("li.kb-checklist-item .kb-item-factors").count() == len(every_item(checklist))
    assert page.page.locator("li.kb-checklist-item p.kb-item-evidence").count() == 0
    assert_clean(page)


def test_a_link_to_an_items_lessons_opens_them_in_its_theme(open_checklist, kb, checklist, site):
    page = open_checklist()
    _, last = chosen_items(kb, checklist)
    page.page.goto(f"{site}/{PAGE}#lessons-{last.id}")
    page.page.wait_for_selector(".kb-checklist-tools:not([hidden])")
    details = page.page.locator(f"#lessons-{last.id}")
    assert details.evaluate("d => d.open")
    assert details.locator("li.kb-checklist-lesson").count() == len(lessons_on(kb, last.factors))
    # A lesson an earlier area wrote out is a link in the page's HTML; the script puts the lesson itself there.
    assert page.page.locator(".kb-checklist-lesson[data-ref]").count() == 0
    area_lists = page.page.locator(".kb-checklist-lessons li.kb-checklist-lesson")
    assert area_lists.count() == page.page.locator(".kb-checklist-lessons li.kb-checklist-lesson .kb-lesson-statement").count()
    assert on_screen(page, f"#lessons-{last.id}")
    assert_clean(page)


def test_the_action_plan_gives_each_item_the_lessons_on_its_own_factors(open_checklist, kb, checklist):
    page = open_checklist()
    beyond, last = chosen_items(kb, checklist)
    items = every_item(checklist)
    done = next(item for _, item in items if item.factors and item.id not in (beyond.id, last.id))
    show_theme_of(page, checklist, done.id)
    radio(page, done.id, "in-place").check()
    show_theme_of(page, checklist, beyond.id)
    radio(page, beyond.id, "in-development").check()
    labels = {t.id: t.label for t in kb.vocab("factors").terms}

    def download(fmt: str) -> str:
        with page.page.expect_download() as info:
            page.page.click(f'.kb-checklist-plan[data-format="{fmt}"]')
        return Path(info.value.path()).read_text(encoding="utf-8")

    rows = list(csv.DictReader(io.StringIO(download("csv"))))
    assert not any(r["item_id"] == done.id for r in rows)  # in place: not in the plan
    assert {r["item_id"] for r in rows} == {item.id for _, item in items} - {done.id}
    for item in (beyond, last):
        mine = [r for r in rows if r["item_id"] == item.id]
        assert [plain(r["lesson"]) for r in mine] == lessons_on(kb, item.factors), item.id
        assert {r["factors_of"] for r in mine} == {"item"}
        assert {r["factors"] for r in mine} == {"; ".join(labels[f] for f in kb.vocab("factors").ids() if f in item.factors)}
    assert {r["status"] for r in rows if r["item_id"] == beyond.id} == {"In development"}
    assert {r["factors_of"] for r in rows} == {"item"}  # every item has factors of its own

    # Markdown: each item a task, its factors and its own lessons nested under it
    blocks = download("md").split("\n- [ ] ")[1:]
    first_line = lambda block: plain(block.split("\n", 1)[0].replace("\\", ""))  # noqa: E731
    mine = next(b for b in blocks if first_line(b).startswith(plain(beyond.text)))
    assert first_line(mine).endswith("(In development)")
    lessons = [plain(line) for line in mine.split("\n## ", 1)[0].splitlines() if line.startswith("    - ")]
    assert len(lessons) == len(lessons_on(kb, beyond.factors))
    assert all(f": {statement} [" in line.replace("\\", "") for statement, line in zip(lessons_on(kb, beyond.factors), lessons, strict=True))
    assert f"  - Lessons that may help ({len(lessons)}):" in mine
    assert not any(first_line(b).startswith(plain(done.text)) for b in blocks)
    assert_clean(page)

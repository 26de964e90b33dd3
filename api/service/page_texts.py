"""The words of the map page's script, from the catalogs, in the reader's language.

The page (``api/templates/map_page.html``) carries them as JSON; the script fills their
``%(name)s`` fields (:func:`texts`)."""

from __future__ import annotations

from api.i18n import N_, Lang

#: Each text of the script, by the key the script uses.
SCRIPT_TEXTS = {
    "credit": N_("© OpenStreetMap contributors"),
    "stop_of": N_("Stop %(seq)s of %(who)s"),
    "households": N_("Households:"),
    "eta": N_("ETA:"),
    "window": N_("window %(from)s–%(to)s"),
    "kg": N_("%(kg)s kg"),
    "stops": N_("%(n)s stops"),
    "not_served": N_("%(n)s household(s) not served"),
    "loading": N_("loading %(job)s…"),
    "job_is": N_("job is %(status)s"),
    "summary": N_("%(date)s: %(runs)s runs, %(stops)s stops"),
    "version": N_("version %(n)s, re-planned at %(at)s"),
    "pick": N_("(pick a job)"),
    "job_option": N_("%(date)s · %(map)s · %(n)s households · %(id)s"),
    "enter_key": N_("enter an API key to see the jobs"),
    "place": N_("place on map"),
    "move": N_("move"),
    "placing": N_("click the map where the door of %(household)s is (Esc: cancel)"),
    "replanning": N_("%(household)s placed; planning again as job %(job)s…"),
    "cancelled": N_("placing cancelled"),
}


def texts(language: Lang) -> dict[str, str]:
    """The script's texts in ``language``, fields left for the script to fill."""
    return {key: language.gettext(message) for key, message in SCRIPT_TEXTS.items()}

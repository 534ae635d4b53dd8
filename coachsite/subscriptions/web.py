"""The thin web layer (Starlette): parse, check, call ``actions``, answer with a Dutch page.

Every reader-facing reply is an HTML page in the site's style (the site's own ``site.css`` is
served from ``theme/``). GET never changes anything: confirmation and unsubscribe links show a
page with one button, and only its POST acts (mail scanners open every link). Store calls never
run on the event loop: a write that waits for the lock (a long ``subscribers import`` in another
process, up to the busy timeout) would stall every page and ``/gezond``. The readers' actions run
on one database thread with one connection (writes queue there, and its page cache stays valid:
connections taking turns re-read changed pages, measurably more CPU per sign-up than a thread
pool's hop); ``/gezond`` reads with its own connection in Starlette's pool, so it answers while
that thread waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from coachsite.newsletter.tokens import TokenError, verify_token
from coachsite.site import ROOT

from . import actions
from .config import ServiceSettings
from .forms import FORM_TYPE, Refused, clean_email, clean_name, clean_source, content_type, parse_form, read_body, read_form
from .limits import AddressLimiter, ClientLimiter
from .outbox import MailSettings, Worker
from .store import Store
from .tokens import ConfirmTokenError, ExpiredToken, verify_confirm_token

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLESHEET = ROOT / "theme" / "static" / "css" / "site.css"
LOGO = ROOT / "content" / "images" / "logo.svg"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # links carry personal tokens
    "Cache-Control": "no-store",
}
HONEYPOT = "website"
MAX_TOKEN = 600


class Service:
    """The application's state: settings, store, limiter, outbox worker and page templates."""

    def __init__(self, config: ServiceSettings, secret: bytes, mail: MailSettings | None, sitename: str, poll: float = 5.0):
        self.config, self.secret, self.sitename = config, secret, sitename
        self.store = Store(config.db)
        self.database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="database")
        self.limiter = ClientLimiter(config.client_limit, config.client_window)
        self.mail_quota = AddressLimiter(config.mails_per_day)
        self.worker = Worker(Store(config.db), mail, poll=poll) if mail else None
        self.jinja = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
        self.sources = tuple(u for u in (config.site_url, config.service_url) if u)

    async def in_database(self, function, *args):
        """Run a store call on the database thread; the event loop goes on serving meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self.database, functools.partial(function, *args))

    def page(self, template: str, status: int = 200, **context) -> HTMLResponse:
        html = self.jinja.get_template(template).render(
            sitename=self.sitename, site_url=self.config.site_url, privacy_url=self.config.privacy_url,
            consent_text=self.config.consent_text, **context,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def refused(self, error: Refused) -> HTMLResponse:
        return self.page("bericht.html", error.status, title=error.title, paragraphs=[error.message], back=True)

    # --- endpoints -----------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        ok = await run_in_threadpool(self.store.healthy)
        return PlainTextResponse("ok" if ok else "database niet bereikbaar", status_code=200 if ok else 503)

    async def stylesheet(self, request: Request) -> Response:
        return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    async def logo(self, request: Request) -> Response:
        return FileResponse(LOGO, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    async def signup_form(self, request: Request) -> Response:
        return self.page("aanmelden.html", title="Aanmelden voor de nieuwsbrief", email="", intro=None)

    async def signup(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            if form.get(HONEYPOT):
                return RedirectResponse("/controleer-je-mail", status_code=303)  # a bot: say nothing, store nothing
            email, name = clean_email(form.get("email", "")), clean_name(form.get("name", ""))
            if not self.limiter.allow(request.client.host if request.client else "?"):
                raise Refused(429, "Even geduld", "Er zijn net veel aanmeldingen gedaan vanaf jouw verbinding. Probeer het over een paar minuten opnieuw.")
        except Refused as error:
            return self.refused(error)
        source = clean_source(form.get("page", "") or request.headers.get("referer", ""), self.sources)
        consent = f"{self.config.consent_text} ({self.config.privacy_url})"
        queued = await self.in_database(actions.signup, self.store, email, name, consent, source, time.time(),
                                        lambda: self.mail_quota.allow(email))
        if queued and self.worker:
            self.worker.wake()
        return RedirectResponse("/controleer-je-mail", status_code=303)

    async def check_mail(self, request: Request) -> Response:
        return self.page("bericht.html", title="Check je mail", paragraphs=[
            "Bijna klaar! We hebben je een e-mail gestuurd met een knop om je aanmelding te bevestigen.",
            "Zie je niets binnen een paar minuten? Kijk dan even in je map met ongewenste mail.",
        ])

    def _confirm_token(self, token: str):
        if not token or len(token) > MAX_TOKEN:
            raise ConfirmTokenError("missing")
        return verify_confirm_token(token, self.secret, time.time(), self.config.confirm_days * 86400)

    def _token_problem(self, error: ConfirmTokenError) -> Response:
        if isinstance(error, ExpiredToken):
            return self.page("aanmelden.html", 410, title="Deze link is verlopen", email=error.email,
                             intro=f"Een bevestigingslink werkt {self.config.confirm_days} dagen. Vraag hieronder een nieuwe aan.")
        return self.page("bericht.html", 400, title="Deze link klopt niet", paragraphs=[
            "De link is niet compleet of is veranderd. Open hem opnieuw vanuit de e-mail, of meld je opnieuw aan."], signup=True)

    async def confirm_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            self._confirm_token(token)
        except ConfirmTokenError as error:
            return self._token_problem(error)
        return self.page("knop.html", title="Bevestig je aanmelding", action="/bevestigen", token=token,
                         text="Klik op de knop, dan ontvang je voortaan elke laatste woensdag van de maand tips.",
                         button="Ja, ik wil de tips ontvangen")

    async def confirm(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            email, issued = self._confirm_token(form.get("token", ""))
        except Refused as error:
            return self.refused(error)
        except ConfirmTokenError as error:
            return self._token_problem(error)
        outcome = await self.in_database(actions.confirm, self.store, email, issued, time.time())
        if outcome is actions.Confirmed.STALE:
            return self.page("bericht.html", 410, title="Deze link werkt niet meer", paragraphs=[
                "Je hebt je na deze mail afgemeld, of je gegevens zijn verwijderd. Wil je de tips toch ontvangen? Meld je dan opnieuw aan."], signup=True)
        return RedirectResponse("/bevestigd", status_code=303)

    async def confirmed(self, request: Request) -> Response:
        return self.page("bericht.html", title="Je bent aangemeld", paragraphs=[
            "Dank je wel! De volgende nieuwsbrief komt op de laatste woensdag van de maand.",
            "Afmelden kan altijd, met de link onderaan elke nieuwsbrief."], home=True)

    def _unsubscribe_token(self, token: str) -> str:
        if not token or len(token) > MAX_TOKEN:
            raise TokenError("missing")
        return verify_token(token, self.secret)

    def _bad_unsubscribe(self) -> Response:
        return self.page("bericht.html", 400, title="Deze afmeldlink klopt niet", paragraphs=[
            "De link is niet compleet of is veranderd. Gebruik de afmeldlink onderaan de nieuwsbrief, "
            "of beantwoord de nieuwsbrief met het woord „afmelden”."])

    async def unsubscribe_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            email = self._unsubscribe_token(token)
        except TokenError:
            return self._bad_unsubscribe()
        return self.page("knop.html", title="Afmelden", action="/afmelden", token=token, button="Afmelden",
                         text=f"Klik op de knop en {email} krijgt de nieuwsbrief niet meer. Je hoeft niets uit te leggen.")

    async def unsubscribe(self, request: Request) -> Response:
        """The page's button (token in the form) or a mail client's RFC 8058 one-click POST (token in
        the URL; the body says ``List-Unsubscribe=One-Click``, urlencoded or multipart/form-data)."""
        try:
            body = await read_body(request)
            form = parse_form(body) if content_type(request) == FORM_TYPE else {}
        except Refused as error:
            return self.refused(error)
        one_click = form.get("List-Unsubscribe") == "One-Click" or b"List-Unsubscribe=One-Click" in body or (
            b'name="List-Unsubscribe"' in body and b"One-Click" in body)
        try:
            email = self._unsubscribe_token(form.get("token") or request.query_params.get("token", ""))
        except TokenError:
            return PlainTextResponse("Onbekende afmeldlink", status_code=400) if one_click else self._bad_unsubscribe()
        await self.in_database(actions.unsubscribe, self.store, email, time.time())
        if one_click:
            return PlainTextResponse("Je bent afgemeld.", headers={"Cache-Control": "no-store"})
        return RedirectResponse("/afgemeld", status_code=303)

    async def unsubscribed(self, request: Request) -> Response:
        return self.page("bericht.html", title="Je bent afgemeld", paragraphs=[
            "Je krijgt de nieuwsbrief niet meer. Jammer dat je gaat, en bedankt voor het lezen!",
            "Was het een vergissing? Dan meld je je gewoon opnieuw aan."], signup=True)

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/aanmelden", status_code=303)

    async def http_error(self, request: Request, error: HTTPException) -> Response:
        titles = {404: "Deze pagina bestaat niet", 405: "Zo werkt deze pagina niet"}
        text = {405: "Deze pagina is alleen voor het formulier op de website."}.get(error.status_code, "Kijk of het adres klopt.")
        response = self.page("bericht.html", error.status_code, title=titles.get(error.status_code, "Er ging iets mis"),
                             paragraphs=[text], home=True)
        if error.headers:
            response.headers.update(error.headers)
        return response


    async def server_error(self, request: Request, error: Exception) -> Response:
        """Our fault (e.g. the database is locked or the disk is full): a Dutch page, nothing half-done."""
        return self.page("bericht.html", 500, title="Er ging bij ons iets mis", paragraphs=[
            "Je aanmelding of afmelding is niet verwerkt. Probeer het over een paar minuten opnieuw."], home=True)


def create_app(service: Service) -> Starlette:
    s = service

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await s.in_database(s.store.conn)  # create and migrate before the first request
        if s.worker:
            s.worker.start()
        try:
            yield
        finally:
            if s.worker:
                s.worker.stop()
                s.worker.join(timeout=10)
            s.database.shutdown(wait=True)

    routes = [
        Route("/", s.home),
        Route("/gezond", s.health),
        Route("/site.css", s.stylesheet),
        Route("/logo.svg", s.logo),
        Route("/favicon.ico", s.logo),
        Route("/aanmelden", s.signup_form, methods=["GET"]),
        Route("/aanmelden", s.signup, methods=["POST"]),
        Route("/controleer-je-mail", s.check_mail),
        Route("/bevestigen", s.confirm_page, methods=["GET"]),
        Route("/bevestigen", s.confirm, methods=["POST"]),
        Route("/bevestigd", s.confirmed),
        Route("/afmelden", s.unsubscribe_page, methods=["GET"]),
        Route("/afmelden", s.unsubscribe, methods=["POST"]),
        Route("/afgemeld", s.unsubscribed),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: s.http_error, Exception: s.server_error})
    app.state.service = s
    return app

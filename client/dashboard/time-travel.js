// Time travel: the situation as it was at a past moment, and a replay from
// there up to now (docs/http.md: GET /v1/situation with as_of or
// as_of_sequence, GET /v1/updates by a range of sequences).
//
// The control (#time-travel in index.html) takes a moment as the CLI's
// `--at` does ("14:05", "2026-12-06 14:05:30", "-2h", an RFC 3339 time), read
// on the clock the header shows (UTC or local), or a point on a slider over the
// retained log (its oldest update to the live cursor); one update back or
// forward; a replay at a chosen speed; and Live. The view it drives (the
// dashboard, app.js) keeps its live stream open while the past is shown but
// holds what arrives instead of showing it; the banner says so and counts
// the held updates. Live shows them again: the stream never stopped, so
// nothing is lost and nothing comes twice.
//
// The point shown is in the URL (`?as_of_sequence=812`, written whenever no
// replay runs), so that a handover can pass on "the picture at 14:05" as a
// link; `?at=` takes a moment as the input does (RFC 3339, "-2h", ...).
//
// The past shown is always the server's: each point is one GET
// /v1/situation?as_of_sequence=N, so the page shows exactly what
// GetSituation answers for that point. The replay only chooses the points:
// one per update of the filtered view after the point, in order, until the
// live cursor, where it returns to live by itself.
import { getLatestUpdates, getSituationAt, getUpdatesAfter } from './api.js';
import { compareSequences, shortTime, timeMs, timeZoneMode } from './format.js';

// Replay speeds, in updates per second.
export const REPLAY_SPEEDS = [1, 4, 20, 100];
// Updates fetched ahead of the replay at a time.
const REPLAY_PAGE = 200;
// The URL's parameters for the point shown.
const SEQUENCE_PARAMETER = 'as_of_sequence';
const MOMENT_PARAMETER = 'at';

export class TimeTravel {
  // form: the #time-travel <form>; banner: #time-banner.
  // view: {
  //   filter():               the dashboard's filter,
  //   tableCapacity:          rows the table holds,
  //   enterPast():            hold the live updates instead of showing them,
  //   showPast(situation, updates):  the situation and the latest updates
  //                           (newest first) of a past point, replacing the view,
  //   showStep(update):       one more update of the replay,
  //   showPastSituation(situation): the situation at the replay's point,
  //   returnToLive():         show the live view again, with what was held,
  //   onError(error):         a request failed,
  // }
  constructor(form, banner, view) {
    this.form = form;
    this.banner = banner;
    this.view = view;
    this.at = form.elements['time-at'];
    this.slider = form.elements['time-slider'];
    this.sliderLabel = form.querySelector('#time-slider-label');
    this.playButton = form.elements['time-play'];
    this.speed = form.elements['time-speed'];
    this.liveButton = form.elements['time-live'];
    this.bannerText = banner.querySelector('[data-text]');
    this.atZone = form.querySelector('#time-at-zone');
    this.at.addEventListener('input', () => this.at.setCustomValidity(''));

    this.sequence = null; // the point shown; null: live
    this.asOf = '';
    this.oldest = '0';
    this.head = '0';
    this.held = 0;
    this.generation = 0;
    this.abort = new AbortController();
    this.queue = []; // the replay's next updates, oldest first
    this.stepping = false;
    this.playTimer = 0;
    this.situationBusy = false;
    this.situationWanted = false;
    // The URL is written only once its point was read (goToUrlPoint).
    this.writesUrl = false;

    for (const speed of REPLAY_SPEEDS) {
      const option = document.createElement('option');
      option.value = String(speed);
      option.textContent = `${speed} update${speed === 1 ? '' : 's'}/s`;
      this.speed.append(option);
    }
    this.speed.value = '4';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.goToTime();
    });
    this.slider.addEventListener('input', () => this.showSliderLabel(this.slider.value));
    this.slider.addEventListener('change', () => this.goTo({ sequence: this.slider.value }));
    form.elements['time-back'].addEventListener('click', () => this.stepBack());
    form.elements['time-forward'].addEventListener('click', () => {
      this.pause();
      this.step();
    });
    this.playButton.addEventListener('click', () => (this.playTimer ? this.pause() : this.play()));
    this.speed.addEventListener('change', () => {
      if (this.playTimer) this.play();
    });
    this.liveButton.addEventListener('click', () => this.goLive());
    banner.querySelector('[data-live]').addEventListener('click', () => this.goLive());
    this.show();
  }

  get inPast() {
    return this.sequence !== null;
  }

  // The point the page's URL asks for (a link to a past moment), if any;
  // a moment without a zone is read as UTC.
  goToUrlPoint() {
    const params = new URLSearchParams(location.search);
    this.writesUrl = true;
    const sequence = params.get(SEQUENCE_PARAMETER);
    if (sequence && /^\d+$/.test(sequence)) {
      this.goTo({ sequence });
      return;
    }
    const moment = params.get(MOMENT_PARAMETER);
    if (!moment) return;
    const ms = parseMoment(moment, 'utc', Date.now());
    if (Number.isNaN(ms)) {
      this.view.onError(new Error(`the link's at=${moment} is not a time (14:05, 2026-12-06T14:05:00Z, -2h)`));
      return;
    }
    this.goTo({ time: new Date(ms).toISOString() });
  }

  // The slider's range: the oldest retained update to the live head.
  setBounds({ oldest, head }) {
    if (oldest && oldest !== '0') this.oldest = oldest;
    if (head) this.setHead(head);
  }

  // The live cursor moved.
  setHead(head) {
    if (!head || compareSequences(head, this.head) <= 0) return;
    this.head = head;
    this.slider.max = head;
    if (this.oldest === '0') this.slider.min = '1';
    else this.slider.min = this.oldest;
    if (!this.inPast) {
      this.slider.value = head;
      this.showSliderLabel(head);
    }
  }

  // The dashboard holds this many live updates that arrived in the past view.
  noteHeld(count) {
    this.held = count;
    this.show();
  }

  // The moment typed, on the header's clock.
  goToTime() {
    const ms = parseMoment(this.at.value, timeZoneMode(), Date.now());
    if (Number.isNaN(ms)) {
      this.at.setCustomValidity('A time like 14:05, 2026-12-06 14:05:30 or -2h (two hours ago)');
      this.at.reportValidity();
      return;
    }
    this.at.setCustomValidity('');
    this.goTo({ time: new Date(ms).toISOString() });
  }

  // Shows the situation at `point` ({sequence} or {time}) and the updates up
  // to it; a running replay stops.
  async goTo(point) {
    this.pause();
    const generation = this.startGeneration();
    this.form.dataset.mode = 'loading';
    try {
      const filter = this.view.filter();
      const situation = await getSituationAt(filter, point, this.abort.signal);
      if (generation !== this.generation) return;
      const sequence = situation.sequence ?? '0';
      const page = sequence === '0' ? { updates: [] }
        : await getLatestUpdates(filter, sequence, this.view.tableCapacity, this.abort.signal);
      if (generation !== this.generation) return;
      this.view.enterPast();
      this.sequence = sequence;
      this.asOf = situation.asOf ?? '';
      this.view.showPast(situation, page.updates ?? []);
      this.show();
    } catch (error) {
      if (generation !== this.generation || error.name === 'AbortError') return;
      this.show();
      this.view.onError(error);
    }
  }

  // The filter changed: the same point again, seen through the new filter.
  filterChanged() {
    if (this.inPast) this.goTo({ sequence: this.sequence });
  }

  // The clock changed (UTC or local): rewrite the times shown.
  refresh() {
    this.show();
  }

  async stepBack() {
    this.pause();
    const from = this.inPast ? this.sequence : this.head;
    if (BigInt(from) <= 1n) return;
    const generation = this.generation;
    try {
      const page = await getLatestUpdates(this.view.filter(), String(BigInt(from) - 1n), 1, this.abort.signal);
      if (generation !== this.generation) return;
      const previous = page.updates?.[0]?.sequence;
      if (previous) this.goTo({ sequence: previous });
    } catch (error) {
      if (generation === this.generation && error.name !== 'AbortError') this.view.onError(error);
    }
  }

  // One update forward: the next update of the view after the point. Past
  // the last one, the view is live again.
  async step() {
    if (!this.inPast || this.stepping) return;
    this.stepping = true;
    const generation = this.generation;
    try {
      const next = await this.nextUpdate(generation);
      if (generation !== this.generation) return;
      if (!next) {
        this.goLive();
        return;
      }
      this.sequence = next.sequence;
      this.asOf = next.receivedAt ?? this.asOf;
      this.view.showStep(next);
      this.show();
      this.requestSituation();
    } catch (error) {
      if (generation === this.generation && error.name !== 'AbortError') {
        this.pause();
        this.view.onError(error);
      }
    } finally {
      if (generation === this.generation) this.stepping = false;
    }
  }

  async nextUpdate(generation) {
    if (this.queue.length === 0 && compareSequences(this.sequence, this.head) < 0) {
      const page = await getUpdatesAfter(this.view.filter(), this.sequence, this.head, REPLAY_PAGE,
        this.abort.signal);
      if (generation !== this.generation) return null;
      this.queue = page.updates ?? [];
    }
    return this.queue.shift() ?? null;
  }

  // The situation at the replay's point: one request at a time, the last
  // point wins (a fast replay skips the situations in between).
  async requestSituation() {
    if (this.situationBusy) {
      this.situationWanted = true;
      return;
    }
    const generation = this.generation;
    this.situationBusy = true;
    try {
      do {
        this.situationWanted = false;
        const situation = await getSituationAt(this.view.filter(), { sequence: this.sequence },
          this.abort.signal);
        if (generation !== this.generation) return;
        if (situation.sequence === this.sequence || !this.situationWanted) {
          this.view.showPastSituation(situation);
        }
      } while (this.situationWanted);
    } catch (error) {
      if (generation === this.generation && error.name !== 'AbortError') this.view.onError(error);
    } finally {
      if (generation === this.generation) this.situationBusy = false;
    }
  }

  // Replays from the point shown; when live, from the moment typed, or
  // else from the oldest retained update.
  play() {
    clearInterval(this.playTimer);
    if (!this.inPast) {
      const typed = parseMoment(this.at.value, timeZoneMode(), Date.now());
      const start = Number.isNaN(typed) ? { sequence: this.slider.min || '1' }
        : { time: new Date(typed).toISOString() };
      this.goTo(start).then(() => {
        if (this.inPast) this.play();
      });
      return;
    }
    const speed = Number(this.speed.value) || REPLAY_SPEEDS[0];
    this.playTimer = setInterval(() => this.step(), 1000 / speed);
    this.show();
  }

  pause() {
    if (this.playTimer === 0) return;
    clearInterval(this.playTimer);
    this.playTimer = 0;
    this.show();
  }

  goLive() {
    if (!this.inPast) return;
    this.reset();
    this.view.returnToLive();
  }

  // Back to the live state without telling the view (it reloads itself).
  reset() {
    clearInterval(this.playTimer);
    this.playTimer = 0;
    this.startGeneration();
    this.sequence = null;
    this.asOf = '';
    this.held = 0;
    this.slider.value = this.head;
    this.show();
  }

  startGeneration() {
    this.generation += 1;
    this.abort.abort();
    this.abort = new AbortController();
    this.queue = [];
    this.stepping = false;
    this.situationBusy = false;
    this.situationWanted = false;
    return this.generation;
  }

  showSliderLabel(sequence) {
    this.sliderLabel.textContent = `#${sequence}`;
  }

  // The URL names the point shown (not at every step of a replay).
  writeUrl() {
    const url = new URL(location.href);
    url.searchParams.delete(MOMENT_PARAMETER);
    if (this.inPast) url.searchParams.set(SEQUENCE_PARAMETER, this.sequence);
    else url.searchParams.delete(SEQUENCE_PARAMETER);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }

  // The control, the banner and the page's mode say where the view is.
  show() {
    if (this.writesUrl && this.playTimer === 0 && this.form.dataset.mode !== 'loading') this.writeUrl();
    const past = this.inPast;
    const mode = past ? 'past' : 'live';
    this.form.dataset.mode = mode;
    document.body.dataset.timeMode = mode;
    this.liveButton.disabled = !past;
    this.liveButton.setAttribute('aria-pressed', String(!past));
    this.playButton.textContent = this.playTimer ? 'Pause' : 'Replay';
    this.playButton.setAttribute('aria-pressed', String(this.playTimer !== 0));
    this.atZone.textContent = timeZoneMode() === 'utc' ? 'UTC' : 'local';
    this.banner.hidden = !past;
    this.banner.dataset.held = String(this.held);
    if (!past) {
      delete this.form.dataset.sequence;
      return;
    }
    this.form.dataset.sequence = this.sequence;
    this.slider.value = this.sequence;
    this.showSliderLabel(this.sequence);
    this.at.value = inputValue(this.asOf);
    const replay = this.playTimer ? ` · replaying at ${this.speed.value}/s` : '';
    this.bannerText.textContent = `Viewing ${shortTime(this.asOf) || 'the start'} · #${this.sequence} — `
      + `live paused, ${this.held} update${this.held === 1 ? '' : 's'} since${replay}`;
  }
}

const DURATION_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// Milliseconds since the epoch of a moment typed as the CLI's `--at` takes
// it, on the clock `zone` ('utc' or 'local'): "-2h" or "2h30m" (ago),
// "14:05" or "14:05:30" (today), "2026-12-06 14:05" (or with a T, seconds),
// or RFC 3339 with its own zone ("2026-12-06T14:05:00Z", "...+01:00").
// NaN when it is none of these.
export function parseMoment(text, zone, nowMs) {
  const value = text.trim();
  const ago = /^-?((?:\d+[smhd])+)$/.exec(value);
  if (ago) {
    let ms = 0;
    for (const [, count, unit] of ago[1].matchAll(/(\d+)([smhd])/g)) {
      ms += Number(count) * DURATION_UNITS_MS[unit];
    }
    return nowMs - ms;
  }
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(value) && value.includes('T')) return Date.parse(value);
  const today = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  const dated = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!today && !dated) return NaN;
  const now = new Date(nowMs);
  const utc = zone === 'utc';
  const parts = dated
    ? dated.slice(1).map((part) => Number(part ?? 0))
    : [utc ? now.getUTCFullYear() : now.getFullYear(), (utc ? now.getUTCMonth() : now.getMonth()) + 1,
      utc ? now.getUTCDate() : now.getDate(), ...today.slice(1).map((part) => Number(part ?? 0))];
  const [year, month, day, hours, minutes, seconds] = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 59) return NaN;
  return utc
    ? Date.UTC(year, month - 1, day, hours, minutes, seconds)
    : new Date(year, month - 1, day, hours, minutes, seconds).getTime();
}

// An RFC 3339 time as the input shows it, "2026-12-06 14:05:30", on the
// header's clock.
function inputValue(rfc3339) {
  const ms = timeMs(rfc3339);
  if (Number.isNaN(ms)) return '';
  const date = new Date(ms);
  if (timeZoneMode() === 'utc') return date.toISOString().slice(0, 19).replace('T', ' ');
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + ` ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

// One Server-Sent Events subscription to GET /v1/stream (docs/http.md).
//
// The browser's EventSource does the resuming: after a dropped connection it
// reconnects by itself with a Last-Event-ID header carrying the last `id:`
// (a cursor), and the server continues right after it. This class turns
// the stream's events into calls of its handlers and keeps the connection
// state. When EventSource gives up for good (the server refused the request
// with an HTTP error status), `onGaveUp` is called and the owner decides.

// The stream's heartbeat interval, asked of the server in the URL (see
// api.js): an open stream that says nothing for three of them is dead
// (a half-open connection, a stuck proxy or server) and is reopened.
export const HEARTBEAT_SECONDS = 5;
const SILENCE_LIMIT_MS = 3 * HEARTBEAT_SECONDS * 1000;

const CONNECTING = 'connecting';
const LIVE = 'live';
const RECONNECTING = 'reconnecting';

export class LiveFeed {
  // handlers: {
  //   onConnection({state, reconnects, attempts}),
  //   onHello(hello), onUpdate(update), onLeftView({reason, update}),
  //   onSnapshot(update), onSnapshotEnd(marker),
  //   onCaughtUp(marker), onGap(gap), onCursor(sequence),
  //   onServerError(errorBody), onGaveUp(url), onSilent()
  // }
  constructor(handlers) {
    this.handlers = handlers;
    this.source = null;
    this.url = '';
    this.state = CONNECTING;
    // Drops that were followed by a successful resume, over the page's life.
    this.reconnects = 0;
    // Failed attempts in the current outage.
    this.attempts = 0;
    this.lastEventAt = 0;
    this.watchdog = 0;
  }

  // `resuming`: this continues a stream that dropped, so the next `hello`
  // counts as a reconnect.
  open(url, { resuming = false } = {}) {
    this.close();
    this.url = url;
    const source = new EventSource(url);
    this.source = source;
    if (!resuming) this.attempts = 0;
    this.setState(resuming ? RECONNECTING : CONNECTING);
    this.lastEventAt = performance.now();
    this.watchSilence();
    const listen = (type, handler) =>
      source.addEventListener(type, (event) => {
        // Events of a source closed in the meantime are late: ignore them.
        if (this.source !== source) return;
        this.lastEventAt = performance.now();
        handler(event);
      });
    // Opened again by the browser: the silence of the outage is over.
    listen('open', () => {});
    listen('hello', (event) => this.onHello(event));
    listen('update', (event) => this.deliver(event, this.handlers.onUpdate));
    // An update sent only because it is how its incident leaves the
    // filtered view; its id is a cursor like an update's.
    listen('left_view', (event) => this.deliver(event, this.handlers.onLeftView));
    listen('snapshot', (event) => this.deliver(event, this.handlers.onSnapshot));
    listen('snapshot_end', (event) => this.deliver(event, this.handlers.onSnapshotEnd));
    listen('caught_up', (event) => this.deliver(event, this.handlers.onCaughtUp));
    listen('gap', (event) => this.deliver(event, this.handlers.onGap));
    listen('heartbeat', (event) => this.deliver(event, () => {}));
    listen('error', (event) => this.onError(event, source));
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
    clearInterval(this.watchdog);
    this.watchdog = 0;
  }

  // While the browser is reconnecting by itself there is nothing to watch;
  // an open stream must keep talking.
  watchSilence() {
    if (this.watchdog !== 0) return;
    this.watchdog = setInterval(() => {
      const open = this.source?.readyState === EventSource.OPEN;
      if (open && performance.now() - this.lastEventAt > SILENCE_LIMIT_MS) {
        this.close();
        this.handlers.onSilent();
      }
    }, HEARTBEAT_SECONDS * 1000);
  }

  // Marks the start of an outage that the owner handles itself (it reopens
  // the feed later), so that the indicator and the counters say so.
  markReconnecting() {
    this.attempts += 1;
    this.setState(RECONNECTING);
  }

  onHello(event) {
    const hello = parse(event);
    if (this.state === RECONNECTING) this.reconnects += 1;
    this.attempts = 0;
    this.setState(LIVE);
    this.noteCursor(event);
    this.handlers.onHello(hello);
  }

  deliver(event, handler) {
    const data = parse(event);
    this.noteCursor(event);
    if (data !== undefined) handler(data);
  }

  noteCursor(event) {
    if (event.lastEventId) this.handlers.onCursor(event.lastEventId);
  }

  // `error` is two things on an EventSource: the server's own `event: error`
  // (a MessageEvent with the error body, after which the server ends the
  // response) and the browser's report of a failed or dropped connection
  // (a plain Event).
  onError(event, source) {
    if (event instanceof MessageEvent && event.data) {
      this.handlers.onServerError(parse(event) ?? { message: event.data });
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      // An HTTP error status or a wrong content type: the browser stops.
      this.close();
      this.handlers.onGaveUp(this.url);
      return;
    }
    // CONNECTING: the browser retries by itself after the server's `retry:`.
    this.markReconnecting();
  }

  setState(state) {
    this.state = state;
    this.handlers.onConnection({
      state,
      reconnects: this.reconnects,
      attempts: this.attempts,
    });
  }
}

function parse(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    console.warn(`sitrep: ignored a ${event.type} event whose data is not JSON`, event.data);
    return undefined;
  }
}

// What draws a duty officer's attention, each opt-in and remembered in
// localStorage: a sound (generated with WebAudio, no file fetched) and a
// desktop notification (the Notification API; permission is asked only when
// the box is ticked) for a new severe or extreme update arriving live in the
// current view; and the threshold after which a support request that nobody
// acknowledged turns red (wait-timer.js), 15 minutes unless the user sets
// another.
import { missionShort, municipalityName, severityLabel, severityRank } from './format.js';
import { setLateAfterMs } from './wait-timer.js';

const SOUND_KEY = 'sitrep.attention.sound';
const NOTIFY_KEY = 'sitrep.attention.notify';
const LATE_KEY = 'sitrep.attention.requestLateMinutes';
const DEFAULT_LATE_MINUTES = 15;
// Severe and above (format.js ranks).
const ALERT_RANK = severityRank('SEVERITY_SEVERE');
// A burst of severe updates rings once.
const SOUND_GAP_MS = 2000;

export class Attention {
  // root: the #attention <details>; onOpenIncident(incidentId): a
  // notification was clicked.
  constructor(root, { onOpenIncident }) {
    this.root = root;
    this.onOpenIncident = onOpenIncident;
    this.sound = root.querySelector('#attention-sound');
    this.notify = root.querySelector('#attention-notify');
    this.late = root.querySelector('#attention-late');
    this.hint = root.querySelector('#attention-hint');
    this.audio = null;
    this.lastSoundAt = -Infinity;
    this.alerts = 0;

    this.sound.checked = read(SOUND_KEY) === 'true';
    this.notify.checked = read(NOTIFY_KEY) === 'true' && notificationPermission() === 'granted';
    const minutes = Number(read(LATE_KEY) ?? DEFAULT_LATE_MINUTES);
    this.late.value = String(Number.isFinite(minutes) && minutes >= 0 ? minutes : DEFAULT_LATE_MINUTES);
    this.applyLate();

    this.sound.addEventListener('change', () => this.onSoundChange());
    this.notify.addEventListener('change', () => this.onNotifyChange());
    this.late.addEventListener('change', () => {
      this.applyLate();
      write(LATE_KEY, this.late.value);
    });
    // Browsers start audio only after a gesture on the page: a sound kept
    // on from the last visit is readied by the first click.
    document.addEventListener('pointerdown', () => this.readyAudio(), { once: true });
    this.showState();
  }

  // An update arrived live in the view (not a replay, not one that left the view).
  noteArrived(update) {
    if (severityRank(update.severity) < ALERT_RANK) return;
    if (!this.sound.checked && !this.notify.checked) return;
    this.alerts += 1;
    this.root.dataset.alerts = String(this.alerts);
    this.root.dataset.lastAlert = update.sequence ?? '';
    if (this.sound.checked) this.ring();
    if (this.notify.checked && notificationPermission() === 'granted') {
      this.showNotification(update);
      this.root.dataset.notified = String(Number(this.root.dataset.notified ?? 0) + 1);
    }
  }

  applyLate() {
    const minutes = Math.max(0, Number(this.late.value) || 0);
    setLateAfterMs(minutes * 60 * 1000);
  }

  onSoundChange() {
    write(SOUND_KEY, String(this.sound.checked));
    if (this.sound.checked) {
      this.readyAudio();
      this.ring();
    }
    this.showState();
  }

  async onNotifyChange() {
    this.hint.textContent = '';
    if (this.notify.checked) {
      if (!('Notification' in window)) {
        this.notify.checked = false;
        this.hint.textContent = 'This browser has no desktop notifications.';
      } else if (Notification.permission !== 'granted') {
        const answer = await Notification.requestPermission();
        if (answer !== 'granted') {
          this.notify.checked = false;
          this.hint.textContent = 'The browser refused notifications for this page; '
            + 'allow them in its site settings, then tick the box again.';
        }
      }
    }
    write(NOTIFY_KEY, String(this.notify.checked));
    this.showState();
  }

  showState() {
    const on = this.sound.checked || this.notify.checked;
    this.root.dataset.on = String(on);
    this.root.querySelector('summary').textContent = on ? 'Alerts: on' : 'Alerts: off';
  }

  readyAudio() {
    if (!this.sound.checked) return;
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return;
    this.audio ??= new Context();
    if (this.audio.state === 'suspended') this.audio.resume().catch(() => {});
  }

  // Two short falling tones: heard over a room, not alarming.
  ring() {
    const now = performance.now();
    if (now - this.lastSoundAt < SOUND_GAP_MS) return;
    this.lastSoundAt = now;
    this.readyAudio();
    const audio = this.audio;
    if (!audio) return;
    const start = audio.currentTime;
    [880, 660].forEach((frequency, index) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      const at = start + index * 0.18;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.17);
    });
    this.root.dataset.rang = String(Number(this.root.dataset.rang ?? 0) + 1);
  }

  showNotification(update) {
    const where = municipalityName(update.location?.municipality);
    const title = `${severityLabel(update.severity)} · ${missionShort(update.mission)}${where ? ` · ${where}` : ''}`;
    // One notification per incident: a later update replaces it.
    const tag = update.incidentId ? `sitrep-${update.incidentId}` : `sitrep-${update.sequence}`;
    const notification = new Notification(title, { body: update.headline ?? '', tag });
    notification.addEventListener('click', () => {
      window.focus();
      if (update.incidentId) this.onOpenIncident(update.incidentId);
      notification.close();
    });
  }
}

function notificationPermission() {
  return 'Notification' in window ? Notification.permission : 'denied';
}

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not kept: the choice holds until the page is reloaded
  }
}

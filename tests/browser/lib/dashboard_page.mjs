// What the test does with the dashboard and what it checks on it, by the
// page's structure (client/dashboard/index.html): the indicator
// #connection[data-state][data-reconnects], rows of #updates (those in
// view: the table is virtualised; spacer rows have no data-sequence) with
// data-sequence / data-mission / data-municipality / data-incident-id (and
// data-left-view with its reason for an update that left the filtered view)
// and the headline in .col-update .headline, incidents of #situation with
// data-incident-id / data-tier / data-lead-mission / data-exceptions, the
// incident view #incident-view[data-incident-id][data-state] with its
// .timeline-step[data-kind][data-sequence], the footer's #cursor[data-cursor].
import fs from 'node:fs';
import path from 'node:path';

const FILTER_DEADLINE_MS = 15_000;

export class DashboardPage {
  constructor(page) {
    this.page = page;
    this.rows = page.locator('#updates > tr[data-sequence]');
  }

  async expectState(state, timeout) {
    await this.waitOrExplain(
      this.page.locator(`#connection[data-state="${state}"]`).waitFor({ timeout }),
      async () => `the indicator did not show "${state}" within ${timeout} ms; `
        + `it shows "${await this.connectionText()}"`);
  }

  async expectReconnects(minimum) {
    const reconnects = Number(await this.page.getAttribute('#connection', 'data-reconnects'));
    if (!(reconnects >= minimum)) {
      throw new Error(`the indicator counts ${reconnects} reconnects, expected at least ${minimum} `
        + `("${await this.connectionText()}")`);
    }
  }

  rowWithHeadline(headline) {
    return this.rows.filter({ has: this.page.locator('.col-update .headline', { hasText: headline }) });
  }

  async expectRow(headline, timeout, explanation) {
    await this.waitOrExplain(this.rowWithHeadline(headline).first().waitFor({ timeout }),
      async () => `${explanation}; indicator: "${await this.connectionText()}"`);
    const count = await this.rowWithHeadline(headline).count();
    if (count !== 1) throw new Error(`"${headline}" is shown ${count} times`);
  }

  async expectNoRow(headline) {
    const count = await this.rowWithHeadline(headline).count();
    if (count !== 0) throw new Error(`"${headline}" is shown although the filter excludes it`);
  }

  // The incident's card in its municipality's section, led by `tier`
  // (and `leadMission`), with the text `support`; `exceptional`: with the
  // chain-exception mark and the hatched chain (or without either).
  async expectIncident({ municipality, incident, tier, leadMission, support, exceptional }, timeout) {
    let selector = `#situation section[data-municipality="${municipality}"] li.incident`
      + `[data-incident-id="${incident}"][data-tier="${tier}"]`;
    if (leadMission) selector += `[data-lead-mission="${leadMission}"]`;
    if (exceptional === true) selector += '.has-exception:has(.exception-mark):has(ol.chain.exception)';
    if (exceptional === false) selector += ':not(.has-exception):not(:has(.exception-mark))';
    const card = this.page.locator(selector, { hasText: support });
    await this.waitOrExplain(card.waitFor({ timeout }),
      async () => `the situation does not show incident ${incident} in ${municipality} at tier ${tier} `
        + `${leadMission ? `led by ${leadMission} ` : ''}with "${support}"`
        + `${exceptional === undefined ? '' : exceptional ? ' and an exception mark' : ' and no exception mark'} `
        + `within ${timeout} ms; it shows: `
        + `${(await this.page.locator('#situation').innerText()).replaceAll('\n', ' | ')}`);
  }

  incidentCard(incident) {
    return this.page.locator(`#situation li.incident[data-incident-id="${incident}"]`);
  }

  // The row of `headline`, dimmed as an update by which its incident left
  // the filtered view, with "left your view: <reason>".
  async expectLeftViewRow(headline, reason, timeout) {
    const row = this.rowWithHeadline(headline).and(
      this.page.locator(`tr.left-view[data-left-view="${reason}"]`));
    await this.waitOrExplain(
      row.filter({ hasText: `left your view: ${reason}` }).first().waitFor({ timeout }),
      async () => `"${headline}" is not shown dimmed with "left your view: ${reason}" within ${timeout} ms; `
        + `its rows: ${JSON.stringify(await this.rowWithHeadline(headline).evaluateAll(
          (rows) => rows.map((each) => ({ className: each.className, leftView: each.dataset.leftView }))))}`);
  }

  // One row of `headline`, not dimmed.
  async expectNormalRow(headline) {
    const dimmed = await this.rowWithHeadline(headline).evaluateAll(
      (rows) => rows.map((each) => each.classList.contains('left-view')));
    if (dimmed.length !== 1 || dimmed[0]) {
      throw new Error(`"${headline}" should be one row, not dimmed; rows dimmed: ${JSON.stringify(dimmed)}`);
    }
  }

  incidentView() {
    return this.page.locator('#incident-view');
  }

  // The incident view, open on `incident` and loaded.
  async expectIncidentView(incident, timeout) {
    const view = this.page.locator(`#incident-view[open][data-incident-id="${incident}"][data-state="shown"]`);
    await this.waitOrExplain(view.waitFor({ timeout }),
      async () => `the incident view did not show ${incident} within ${timeout} ms; it is `
        + `${await this.incidentView().getAttribute('data-state')} on `
        + `"${await this.incidentView().getAttribute('data-incident-id')}": `
        + `${(await this.incidentView().innerText()).replaceAll('\n', ' | ')}`);
  }

  async expectIncidentViewClosed(timeout) {
    await this.waitOrExplain(
      this.page.locator('#incident-view[data-state="closed"]:not([open])').waitFor({ state: 'attached', timeout }),
      async () => `the incident view is still open after ${timeout} ms`);
  }

  // The steps of the open incident's timeline, oldest first.
  async timelineSteps() {
    return this.page.locator('#incident-view .timeline-step').evaluateAll((steps) => steps.map((step) => ({
      kind: step.dataset.kind,
      sequence: step.dataset.sequence,
      mission: step.dataset.mission,
      locationCarried: step.dataset.locationCarried === 'true',
      text: step.innerText.replaceAll('\n', ' | '),
      exception: step.classList.contains('exception'),
      leadChange: step.classList.contains('lead-change'),
    })));
  }

  // Runs `change` on the filter controls and waits until the dashboard
  // has reopened its stream with the server-side filter parameter
  // `streamParameter` (null: no filter parameter at all) and is live again.
  async applyFilter(change, streamParameter) {
    const reopened = this.page.waitForRequest((request) => {
      const url = request.url();
      if (!url.includes('/v1/stream?')) return false;
      return streamParameter ? url.includes(streamParameter) : !url.includes('filter.');
    }, { timeout: FILTER_DEADLINE_MS });
    await change();
    await this.waitOrExplain(reopened, async () => 'the dashboard did not reopen its stream with '
      + `${streamParameter ?? 'no filter'} within ${FILTER_DEADLINE_MS} ms`);
    await this.expectState('live', FILTER_DEADLINE_MS);
  }

  async checkMission(label) {
    await this.page.locator('#filter-missions').getByLabel(label, { exact: true }).check();
  }

  async setMunicipalities(text) {
    const input = this.page.locator('#filter-municipalities');
    await input.fill(text);
    await input.press('Enter');
  }

  async clearFilters() {
    await this.page.getByRole('button', { name: 'Clear filters' }).click();
  }

  async expectOnlyMissions(missions, timeout) {
    await this.expectRowsWhere('mission', missions, timeout);
  }

  async expectOnlyMunicipalities(municipalities, timeout) {
    await this.expectRowsWhere('municipality', municipalities, timeout);
  }

  // At least one row, and every row's data-<attribute> is one of `allowed`.
  // timeout 0: checks once.
  async expectRowsWhere(attribute, allowed, timeout) {
    const check = ({ attribute: name, allowed: values }) => {
      const rows = [...document.querySelectorAll('#updates > tr[data-sequence]')];
      return rows.length > 0 && rows.every((row) => values.includes(row.dataset[name]));
    };
    await this.waitForCondition(check, { attribute, allowed }, timeout,
      async () => `the table should only show ${attribute} ${allowed.join(', ')}; it shows `
        + `${JSON.stringify(await this.rowAttributes(attribute))}`);
  }

  // The table shows exactly these sequences, each once.
  async expectRowSequences(sequences, timeout) {
    const expected = [...sequences].sort(bySequence);
    const check = (wanted) => {
      const shown = [...document.querySelectorAll('#updates > tr[data-sequence]')].map((row) => row.dataset.sequence);
      return shown.length === wanted.length && [...shown].sort().join() === [...wanted].sort().join();
    };
    await this.waitForCondition(check, expected, timeout,
      async () => `the table should show sequences ${expected.join(', ')} once each; it shows `
        + `${(await this.rowAttributes('sequence')).join(', ')}`);
  }

  // timeout 0 (the default): checks once.
  async expectCursorAtLeast(sequence, timeout = 0) {
    const check = (wanted) => {
      const cursor = document.querySelector('#cursor')?.dataset.cursor;
      return Boolean(cursor) && BigInt(cursor) >= BigInt(wanted);
    };
    await this.waitForCondition(check, sequence, timeout,
      async () => `the cursor shown is ${await this.page.getAttribute('#cursor', 'data-cursor')}, `
        + `expected at least ${sequence}`);
  }

  async signIn(token) {
    await this.page.locator('#login-token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async expectLoginError(timeout) {
    await this.waitOrExplain(
      this.page.locator('#login-error').filter({ hasText: /\S/ }).waitFor({ timeout }),
      async () => `no sign-in error shown for a wrong token within ${timeout} ms`);
  }

  async expectLoginHidden() {
    if (await this.page.locator('#login').isVisible()) {
      throw new Error('the sign-in form is shown although the page kept its token');
    }
  }

  // The session is an HttpOnly cookie: page scripts cannot read it.
  async expectSessionCookie() {
    const cookies = await this.page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'sitrep_session');
    if (!session) throw new Error('no sitrep_session cookie after signing in');
    if (!session.httpOnly) throw new Error('the sitrep_session cookie is not HttpOnly');
  }

  async screenshot(file) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    await this.page.screenshot({ path: file });
  }

  async connectionText() {
    return (await this.page.locator('#connection').innerText()).trim();
  }

  // The time cells of the rows on screen ("08:05:28Z").
  async rowTimes() {
    return this.rows.locator('.col-time .time-text').allTextContents();
  }

  // One click on the header's clock button; waits until every time shown
  // ends in 'Z' (UTC) or none does (local) and the header says which.
  async toggleTimeZone(expected, timeout) {
    await this.page.locator('#time-zone').click();
    await this.waitForCondition((zone) => {
      const button = document.getElementById('time-zone');
      const times = [...document.querySelectorAll('#updates > tr[data-sequence] .col-time .time-text')]
        .map((cell) => cell.textContent);
      return button.dataset.zone === zone && times.length > 0
        && times.every((time) => time.endsWith('Z') === (zone === 'utc'))
        && button.textContent.startsWith(zone === 'utc' ? 'Times: UTC (Z)' : 'Times: local (UTC');
    }, expected, timeout, async () => `the clock did not switch to ${expected}: `
      + `${await this.page.locator('#time-zone').textContent()}, ${await this.rowTimes()}`);
  }

  async rowAttributes(attribute) {
    return this.rows.evaluateAll((rows, name) => rows.map((row) => row.dataset[name]), attribute);
  }

  async waitForCondition(predicate, argument, timeout, explain) {
    if (timeout === 0) {
      if (!(await this.page.evaluate(predicate, argument))) throw new Error(await explain());
      return;
    }
    await this.waitOrExplain(
      this.page.waitForFunction(predicate, argument, { timeout, polling: 'raf' }), explain);
  }

  // Playwright's timeout errors say what it waited for in its own terms;
  // this replaces them with what the dashboard failed to do.
  async waitOrExplain(waiting, explain) {
    try {
      await waiting;
    } catch (error) {
      if (error.name !== 'TimeoutError') throw error;
      throw new Error(await explain());
    }
  }
}

function bySequence(a, b) {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

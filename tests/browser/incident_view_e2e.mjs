// End-to-end test of how the dashboard (client/dashboard) shows the security
// chain, in headless Debian Chromium against a real sitrepd (development
// mode: every right, chain exceptions included), every update published by
// the real `sitrep` CLI (lib/test_run.mjs has the command line):
//
// 1. A Kosovo Police view (filter mission = KP) while an incident runs its
//    chain in turn (KP opens, KP asks EULEX, EULEX acknowledges, KP
//    updates, EULEX escalates): the KP updates are normal rows, the EULEX
//    acknowledgement and the escalation are dimmed rows that say why they
//    left the view ("left your view: escalated to EULEX"), and what follows
//    is not sent; the cursor moves past the dimmed rows. So is KFOR taking
//    over another incident with a chain exception ("escalated to KFOR").
// 2. The whole situation: the escalated incident is led by EULEX at the
//    second tier and is still in Zveçan although its follow-ups gave no
//    location; its open request to KFOR shows a running wait; an incident
//    KFOR took over with a chain exception carries the exception mark and
//    a hatched chain.
// 3. Clicking the incident opens its story: the timeline has every step in
//    order, the lead change, the acknowledgement's wait, the carried
//    location and a live timer; Escape closes it and gives the focus back.
//    The screenshot is taken here. The keyboard opens the exception's
//    incident, whose escalation is marked with the rule it bypassed and its
//    reason; a click on a table row opens an incident too.
// 4. The page asked nothing of any host but the server.
//
// Exits 0 when everything held, 1 with the reason otherwise. Every wait has
// a deadline; the whole run is bounded by OVERALL_DEADLINE_MS.
import {
  SHOWN_WITHIN_MS, SITUATION_WITHIN_MS, openDashboard, runTest,
} from './lib/test_run.mjs';

const OVERALL_DEADLINE_MS = 90_000;
// The incident view loads one small thread from the loopback server.
const VIEW_WITHIN_MS = 5_000;

const RUDARE = 'e2e-rudare-chain';
const JARINJE = 'e2e-jarinje-exception';
const EXCEPTION_REASON = 'Shots fired at the crossing: KFOR acts at once under its mandate to protect life';

// Incident RUDARE, in turn: published by the CLI's flags.
const rudare = {
  opened: {
    mission: 'kp', kind: 'new', severity: 'moderate', municipality: 'Zveçan', place: 'Rudare',
    headline: 'Road blocked by trucks at Rudare',
    description: 'About twenty trucks across the road; traffic stopped both ways.',
  },
  asked: { mission: 'kp', kind: 'request-support', severity: 'moderate', headline: 'KP asks EULEX for support at Rudare' },
  acknowledged: { mission: 'eulex', kind: 'acknowledge', severity: 'moderate', headline: 'EULEX FPU deploying to Rudare' },
  holding: { mission: 'kp', kind: 'update', severity: 'moderate', headline: 'KP holds the road until EULEX arrives' },
  escalated: {
    mission: 'eulex', kind: 'escalate', severity: 'severe', headline: 'EULEX takes the lead at Rudare',
    description: 'The FPU commander on site takes command; KP units hold the perimeter.',
  },
  // Both without a location: the incident stays in Zveçan.
  followUp: { mission: 'eulex', kind: 'update', severity: 'severe', headline: 'Crowd at Rudare dispersing' },
  askedKfor: {
    mission: 'eulex', kind: 'request-support', severity: 'severe', headline: 'EULEX asks KFOR to stand by at Rudare',
    description: 'A reserve platoon on standby at the Zveçan base.',
  },
};

async function kosovoPoliceView(run, context) {
  const server = await run.startServer({ dataDir: `${run.workDir}/data` });
  const { browser, dashboard } = await openDashboard(run, server);
  Object.assign(context, { server, browser, dashboard });
  run.step(`sitrepd serves gRPC on ${server.grpcAddress}, HTTP on ${server.httpUrl}`);
  context.origin = new URL(server.httpUrl).origin;
  context.foreignRequests = [];
  browser.page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${context.origin}/`) && !url.startsWith('data:')) context.foreignRequests.push(url);
  });

  run.step('a Kosovo Police view while the incident goes up the chain');
  await dashboard.applyFilter(() => dashboard.checkMission('Kosovo Police'), 'filter.missions=MISSION_KOSOVO_POLICE');
  const publish = (fields) => run.publish(server, {
    category: 'freedom-of-movement', incident: RUDARE, ...fields,
  });
  const shown = async (fields) => run.expectShown(dashboard, await publish(fields), fields.headline);
  await shown(rudare.opened);
  await shown(rudare.asked);
  await publish(rudare.acknowledged);
  await dashboard.expectLeftViewRow(rudare.acknowledged.headline, 'acknowledged by EULEX', SHOWN_WITHIN_MS);
  await shown(rudare.holding);
  const escalated = await publish(rudare.escalated);
  await dashboard.expectLeftViewRow(rudare.escalated.headline, 'escalated to EULEX', SHOWN_WITHIN_MS);
  await dashboard.expectCursorAtLeast(escalated, SHOWN_WITHIN_MS);
  for (const fields of [rudare.opened, rudare.asked, rudare.holding]) await dashboard.expectNormalRow(fields.headline);
  await publish(rudare.followUp);
  await publish(rudare.askedKfor);
  // The stream is in sequence order: once this is on screen, the two EULEX
  // updates before it would be too, had the server sent them.
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', severity: 'minor', category: 'patrol', municipality: 'Zveçan',
    headline: 'KP patrol in Zveçan town',
  });
  await dashboard.expectNoRow(rudare.followUp.headline);
  await dashboard.expectNoRow(rudare.askedKfor.headline);
}

async function wholeSituation(run, { server, dashboard }) {
  run.step('a chain exception: KFOR takes over at Jarinje out of turn (the KP view is still on)');
  const jarinje = { category: 'civil-disturbance', incident: JARINJE };
  await run.publish(server, {
    ...jarinje, mission: 'kp', kind: 'new', severity: 'severe', municipality: 'Leposaviq',
    place: 'Jarinje crossing', headline: 'Shots fired near the Jarinje crossing',
  });
  await run.publish(server, {
    ...jarinje, mission: 'kp', kind: 'request-support', severity: 'severe',
    headline: 'KP asks EULEX for support at Jarinje',
  });
  // The CLI may have no flag for it yet: the update as JSON on stdin.
  await run.publishJson(server, {
    mission: 'MISSION_KFOR', role: 'ROLE_THIRD_RESPONDER', severity: 'SEVERITY_EXTREME',
    category: 'CATEGORY_CIVIL_DISTURBANCE', incidentId: JARINJE, kind: 'KIND_ESCALATE',
    headline: 'KFOR takes over at Jarinje to protect life', chainException: { reason: EXCEPTION_REASON },
  });
  await dashboard.expectLeftViewRow('KFOR takes over at Jarinje to protect life', 'escalated to KFOR',
    SHOWN_WITHIN_MS);

  run.step('the whole situation: who leads, where, what waits, what broke the chain');
  await dashboard.applyFilter(() => dashboard.clearFilters(), null);
  await dashboard.expectIncident({
    municipality: 'zvecan', incident: RUDARE, tier: 2, leadMission: 'MISSION_EULEX', exceptional: false,
    support: /led by EULEX · 2nd tier[\s\S]*EULEX → KFOR waiting \d+ s/,
  }, SITUATION_WITHIN_MS);
  await dashboard.expectIncident({
    municipality: 'leposaviq', incident: JARINJE, tier: 3, leadMission: 'MISSION_KFOR', exceptional: true,
    support: /led by KFOR · 3rd tier[\s\S]*KP → EULEX waiting/,
  }, SITUATION_WITHIN_MS);
  // Published after the filter was cleared, so no longer a left-view mark.
  await dashboard.expectNormalRow(rudare.escalated.headline);
}

async function incidentStory(run, { dashboard, browser }) {
  run.step('a click on the incident opens its story');
  await dashboard.incidentCard(RUDARE).locator('.incident-open').click();
  await dashboard.expectIncidentView(RUDARE, VIEW_WITHIN_MS);
  const steps = await dashboard.timelineSteps();
  expectKinds(steps, ['KIND_NEW', 'KIND_REQUEST_SUPPORT', 'KIND_ACKNOWLEDGE', 'KIND_UPDATE', 'KIND_ESCALATE',
    'KIND_UPDATE', 'KIND_REQUEST_SUPPORT']);
  expectStep(steps[0], 'KP · 1st tier leads', { leadChange: true, locationCarried: false });
  expectStep(steps[0], 'at Zveçan');
  expectStep(steps[1], 'asked EULEX for support · acknowledged', { locationCarried: true });
  expectStep(steps[2], 'acknowledged the request KP → EULEX after');
  expectStep(steps[3], 'KP holds the road', { leadChange: false });
  expectStep(steps[4], 'lead: KP · 1st tier → EULEX · 2nd tier', { leadChange: true });
  expectStep(steps[5], 'Crowd at Rudare dispersing', { leadChange: false, locationCarried: true });
  expectStep(steps[6], 'asked KFOR for support · waiting');
  if (steps.slice(1).some((step) => step.text.includes('moved to'))) {
    throw new Error('a follow-up without a location moved the incident in its timeline');
  }
  if (steps.some((step) => step.exception)) throw new Error('an in-turn step is marked as a chain exception');
  const summary = await dashboard.incidentView().locator('.incident-summary').innerText();
  for (const text of ['EULEX · 2nd tier', 'Rudare', 'Zveçan']) {
    if (!summary.includes(text)) throw new Error(`the incident's summary lacks "${text}": ${summary}`);
  }
  await expectTimerRuns(browser.page);

  run.step(`screenshot of the incident view: ${run.args.screenshot}`);
  // Tall enough for the whole story.
  await browser.page.setViewportSize({ width: 1440, height: 1280 });
  await dashboard.screenshot(run.args.screenshot);
  await browser.page.setViewportSize({ width: 1440, height: 900 });

  run.step('Escape closes it and the focus goes back to the incident');
  await browser.page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(VIEW_WITHIN_MS);
  const focused = await browser.page.evaluate(
    () => document.activeElement?.closest('li.incident')?.dataset.incidentId ?? document.activeElement?.tagName);
  if (focused !== RUDARE) throw new Error(`after closing, the focus is on ${focused}, not on incident ${RUDARE}`);

  run.step('the keyboard opens the chain exception\'s incident: the exception is marked');
  await dashboard.incidentCard(JARINJE).locator('.incident-open').focus();
  await browser.page.keyboard.press('Enter');
  await dashboard.expectIncidentView(JARINJE, VIEW_WITHIN_MS);
  const exceptionSteps = await dashboard.timelineSteps();
  expectKinds(exceptionSteps, ['KIND_NEW', 'KIND_REQUEST_SUPPORT', 'KIND_ESCALATE']);
  expectStep(exceptionSteps[2], 'chain exception', { exception: true, leadChange: true });
  expectStep(exceptionSteps[2], 'bypassed escalate-');
  expectStep(exceptionSteps[2], EXCEPTION_REASON);
  expectStep(exceptionSteps[2], 'lead: KP · 1st tier → KFOR · 3rd tier');
  if (exceptionSteps.slice(0, 2).some((step) => step.exception)) {
    throw new Error('the in-turn steps before the exception are marked as exceptions');
  }
  run.step(`  ${exceptionSteps[2].text}`);
  await dashboard.incidentView().getByRole('button', { name: 'Close' }).click();
  await dashboard.expectIncidentViewClosed(VIEW_WITHIN_MS);

  run.step('a click on a row of the table opens its incident');
  await dashboard.rowWithHeadline(rudare.escalated.headline).locator('.col-update .headline').click();
  await dashboard.expectIncidentView(RUDARE, VIEW_WITHIN_MS);
  await browser.page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(VIEW_WITHIN_MS);
}

function noForeignRequests(run, { foreignRequests }) {
  run.step('no request left the machine');
  if (foreignRequests.length > 0) {
    throw new Error(`the page asked other hosts: ${foreignRequests.join(', ')}`);
  }
}

function expectKinds(steps, kinds) {
  const shown = steps.map((step) => step.kind);
  if (shown.join() !== kinds.join()) {
    throw new Error(`the timeline shows ${shown.join(', ')}; expected ${kinds.join(', ')}`);
  }
}

// `text` in the step, and the step's marks as given.
function expectStep(step, text, marks = {}) {
  if (!step.text.includes(text)) {
    throw new Error(`timeline step ${step.sequence} (${step.kind}) lacks "${text}": ${step.text}`);
  }
  for (const [mark, wanted] of Object.entries(marks)) {
    if (step[mark] !== wanted) {
      throw new Error(`timeline step ${step.sequence} (${step.kind}) has ${mark} ${step[mark]}, expected ${wanted}`);
    }
  }
}

// The open request's timer counts on by itself.
async function expectTimerRuns(page) {
  const timer = page.locator('#incident-view .timeline .waiting-timer').first();
  const before = await timer.innerText();
  try {
    await page.waitForFunction(
      (text) => document.querySelector('#incident-view .timeline .waiting-timer')?.textContent !== text,
      before, { timeout: 3_000, polling: 100 });
  } catch (error) {
    if (error.name !== 'TimeoutError') throw error;
    throw new Error(`the waiting timer still reads "${before}" after 3 s`);
  }
}

const context = {};
await runTest('incident_view_e2e', OVERALL_DEADLINE_MS, [
  (run) => kosovoPoliceView(run, context),
  (run) => wholeSituation(run, context),
  (run) => incidentStory(run, context),
  (run) => noForeignRequests(run, context),
]);

// The reference public form (/forms/) in a real browser: Debian's chromium in headless mode,
// driven by puppeteer-core (nothing downloaded), checked by axe-core at WCAG 2.2 AA.
//
//   BASE_URL       the running service, started with PUBLIC_FORMS=true and COUNCIL_IN_WALES=true
//                  (required; .ci/run starts one)
//   STAFF_TOKEN    a complaints manager's token: the reference shown is checked against the case
//                  the API holds (optional; .ci/run gives one)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   SCREENSHOT_DIR where each page's screenshot is kept (default target/ci-artifacts/screenshots)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer from 'puppeteer-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const BASE_URL = process.env.BASE_URL
const STAFF_TOKEN = process.env.STAFF_TOKEN
const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? path.join(here, '..', '..', 'target', 'ci-artifacts', 'screenshots')
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December']

assert.ok(BASE_URL, 'set BASE_URL to a service started with PUBLIC_FORMS=true')
mkdirSync(SCREENSHOTS, { recursive: true })

let browser
before(async () => {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
  })
})
after(async () => { await browser?.close() })

/** A new tab that fails the test on any refusal by the pages' Content-Security-Policy, any
 * script error, and any request that leaves the service. */
async function tab ({ javascript = true } = {}) {
  const page = await browser.newPage()
  await page.setViewport({ width: 1024, height: 768 })
  await page.setJavaScriptEnabled(javascript)
  page.problems = []
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => page.problems.push(`script: ${error.message}`))
  page.on('requestfailed', (request) => page.problems.push(`failed: ${request.url()}`))
  page.on('request', (request) => {
    if (!request.url().startsWith(BASE_URL)) page.problems.push(`left the service: ${request.url()}`)
  })
  return page
}

async function open (page, address) {
  const response = await page.goto(BASE_URL + address, { waitUntil: 'networkidle0' })
  assert.equal(response.status(), 200, address)
  return response
}

/** axe-core at WCAG 2.2 AA on the page as it stands, and its screenshot under `name`. */
async function check (page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
  // Through the DevTools protocol: the pages' policy allows no injected script, rightly.
  await page.evaluate(AXE)
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } })
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  }, WCAG_22_AA)
  assert.deepEqual(result, [], `${name}: axe-core found violations`)
  assert.deepEqual(page.problems, [], `${name}: the page had problems`)
}

async function submit (page) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('button.govuk-button[type=submit]')
  ])
}

async function fillComplaint (page, summary) {
  await page.select('#service', 'waste-care')
  await page.type('#summary', summary)
  await page.type('#description', 'Our green bin has been missed on the last three collection days.')
  await page.type('#name', 'Alex Example')
  await page.type('#email', 'alex@example.org')
  await page.click('#preferred_contact') // email
  await page.click('#large_print')
  await page.click('#who') // no: for themselves
}

/** The case the API holds under `reference`, read with a staff token. */
async function caseOf (reference) {
  const answer = await fetch(`${BASE_URL}/api/v1/cases/${reference}`, {
    headers: { Authorization: `Bearer ${STAFF_TOKEN}` }
  })
  assert.equal(answer.status, 200, `GET /api/v1/cases/${reference}`)
  return answer.json()
}

function written (isoDate) {
  const [year, month, day] = isoDate.split('-').map(Number)
  return `${day} ${MONTHS[month - 1]} ${year}`
}

for (const javascript of [true, false]) {
  test(`a resident sends a complaint and sees its reference (JavaScript ${javascript ? 'on' : 'off'})`, async () => {
    const page = await tab({ javascript })
    await open(page, '/forms/')
    await Promise.all([page.waitForNavigation(), page.click('a[href="/forms/complaint"]')])
    const summary = `Green bin missed (browser, JavaScript ${javascript ? 'on' : 'off'}) ${Date.now()}`
    await fillComplaint(page, summary)
    await submit(page)
    assert.equal(await page.$eval('h1', (h) => h.textContent.trim()), 'Complaint received')
    const reference = await page.$eval('#reference', (r) => r.textContent.trim())
    assert.match(reference, /^CMP-\d{4}-\d{6}$/)
    const due = await page.$eval('#acknowledgement-due', (d) => d.textContent.trim())
    if (STAFF_TOKEN) {
      const logged = await caseOf(reference)
      assert.equal(logged.summary, summary)
      assert.equal(logged.channel, 'online_form')
      assert.equal(logged.customer.accessibility.large_print, true)
      assert.equal(due, written(logged.acknowledgement_due))
    }
    if (javascript) await check(page, 'complaint-confirmation')
    await page.close()
  })
}

test('a form with an answer missing shows the error summary and keeps the answers given', async () => {
  const page = await tab()
  await open(page, '/forms/complaint')
  await page.type('#summary', 'Bins & bags')
  await page.type('#description', 'Missed again.')
  await page.type('#email', 'alex@example.org')
  await page.click('#who-someone-else')
  await page.type('#rep_name', 'Sam Example')
  await submit(page)
  assert.match(await page.title(), /^Error: Make a complaint/)
  const summary = await page.$$eval('.govuk-error-summary__list a', (links) =>
    links.map((a) => [a.getAttribute('href'), a.textContent.trim()]))
  assert.deepEqual(summary, [
    ['#service', 'Select the service your feedback is about'],
    ['#name', 'Enter a full name'],
    ['#consent_to_act', 'Confirm that they have agreed that you can act for them']
  ])
  // GOV.UK Frontend moves focus to the summary, so a screen reader reads it first.
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('govuk-error-summary')), true)
  assert.equal(await page.$eval('#summary', (i) => i.value), 'Bins & bags')
  assert.equal(await page.$eval('#description', (t) => t.value), 'Missed again.')
  assert.equal(await page.$eval('#email', (i) => i.value), 'alex@example.org')
  assert.equal(await page.$eval('#rep_name', (i) => i.value), 'Sam Example')
  assert.equal(await page.$eval('#who-someone-else', (r) => r.checked), true)
  assert.equal(await page.$eval('#name-error', (e) => e.textContent.trim()), 'Error: Enter a full name')
  // The link in the summary takes the resident to the field.
  await page.click('.govuk-error-summary__list a[href="#name"]')
  assert.equal(await page.evaluate(() => document.activeElement.id), 'name')
  await page.close()
})

for (const [lang, query] of [['en', ''], ['cy', '?lang=cy']]) {
  test(`every page passes axe-core at WCAG 2.2 AA (${lang})`, async () => {
    const page = await tab()
    for (const form of ['', 'complaint', 'compliment', 'comment']) {
      await open(page, `/forms/${form}${query}`)
      assert.equal(await page.$eval('html', (h) => h.lang), lang)
      await check(page, `${form || 'index'}-${lang}`)
    }
    // The error page: the complaint form sent empty.
    await open(page, `/forms/complaint${query}`)
    await submit(page)
    assert.ok(await page.$('.govuk-error-summary'), 'an error summary')
    await check(page, `complaint-errors-${lang}`)
    // The confirmation.
    await open(page, `/forms/complaint${query}`)
    await fillComplaint(page, `Axe check ${lang} ${Date.now()}`)
    await submit(page)
    assert.ok(await page.$('.govuk-panel--confirmation'), 'a confirmation panel')
    await check(page, `complaint-confirmation-${lang}`)
    await page.close()
  })
}

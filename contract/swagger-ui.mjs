// `make contract`: Swagger UI in Debian's Chromium, driven by playwright-core, as a person trying
// the API would use it: open /swagger-ui/, Authorize with a real token, and Try it out.
//
//   COSELL_BASE_URL      the server, seeded with `cosell admin seed-demo`
//   DEMO_EMAIL, DEMO_PASSWORD   a demo user's login
//   ARTIFACTS            where a screenshot of the page goes when a step fails
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

const base = process.env.COSELL_BASE_URL ?? "http://127.0.0.1:8080";
const artifacts = process.env.ARTIFACTS ?? "target/contract";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

async function token() {
  const res = await fetch(`${base}/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: process.env.DEMO_EMAIL, password: process.env.DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, "the demo user logs in");
  return (await res.json()).access_token;
}

/** Expands an operation, presses Try it out and Execute; its status and parsed body. */
async function tryOut(page, tag, operationId) {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  // The document turns Try it out on for every operation; press it only where it is off.
  const execute = block.locator(".btn.execute");
  await block.locator(".try-out__btn").waitFor();
  if (!(await execute.isVisible())) await block.locator(".try-out__btn").click();
  await execute.click();
  const status = block.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 15_000 });
  const code = Number((await status.innerText()).trim());
  const text = await block.locator(".live-responses-table .response-col_description pre").first().innerText();
  return { code, body: text.trim() ? JSON.parse(text) : null };
}

async function main() {
  const bearer = await token();
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/swagger-ui/`);
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 20_000 });
    assert.match(await page.locator(".swagger-ui .info .title").innerText(), /cosell/);
    console.log("- Swagger UI shows the document");

    await page.locator(".scheme-container .btn.authorize").click();
    const modal = page.locator(".modal-ux");
    await modal.locator("input").first().fill(bearer);
    await modal.locator(".auth-btn-wrapper .btn.authorize").click();
    await modal.locator(".auth-btn-wrapper .btn-done").click();
    console.log("- authorized with a real token");

    const me = await tryOut(page, "users", "get_current_user");
    assert.equal(me.code, 200, `GET /v1/users/me on the page: ${JSON.stringify(me.body)}`);
    assert.equal(me.body.email, process.env.DEMO_EMAIL);
    console.log("- Try it out: GET /v1/users/me answered 200 on the page");

    // A list tried without typing anything is the whole list: no filter is filled in for you.
    const listed = await tryOut(page, "offers", "list_offers");
    assert.equal(listed.code, 200);
    const direct = await fetch(`${base}/v1/offers`, { headers: { Authorization: `Bearer ${bearer}` } });
    const all = await direct.json();
    assert.deepEqual(
      listed.body.items.map((o) => o.id),
      all.items.map((o) => o.id),
      "Try it out on list_offers sent a filter nobody asked for",
    );
    console.log(`- Try it out: GET /v1/offers listed all ${all.items.length} demo offers`);
  } catch (e) {
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, "swagger-ui-failure.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.error(`swagger-ui: failed; the page is in ${shot}`);
    throw e;
  } finally {
    await browser.close();
  }
  console.log("swagger-ui: done");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// `make contract`: Swagger UI in Debian's Chromium, driven by playwright-core, as a person trying
// the API would use it: open /swagger-ui/, Authorize with a real token, Try it out, and then
// execute every request body example of the document as the page shows it, in the order and with
// the role of examples.json: none may answer 4xx (or 5xx).
//
//   COSELL_BASE_URL      the server, seeded with `cosell admin seed-demo`
//   DEMO_PASSWORD        the demo users' password
//   ARTIFACTS            where a screenshot of the page goes when a step fails
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

const base = process.env.COSELL_BASE_URL ?? "http://127.0.0.1:8080";
const artifacts = process.env.ARTIFACTS ?? "target/contract";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

const plan = JSON.parse(readFileSync(new URL("./examples.json", import.meta.url), "utf8"));

async function token(email) {
  const res = await fetch(`${base}/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: process.env.DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, `the demo user ${email} logs in`);
  return (await res.json()).access_token;
}

/** Authorize in the page with `bearer`, logging out whoever was authorized before. */
async function authorize(page, bearer) {
  await page.locator(".scheme-container .btn.authorize").click();
  const modal = page.locator(".modal-ux");
  const logout = modal.locator(".auth-btn-wrapper button", { hasText: "Logout" });
  if (await logout.isVisible()) await logout.click();
  await modal.locator("input").first().fill(bearer);
  await modal.locator(".auth-btn-wrapper .btn.authorize").click();
  await modal.locator(".auth-btn-wrapper .btn-done").click();
}

/** Expands an operation, presses Try it out, fills its path parameters and presses Execute;
 * the status and the body text of the answer. The request body is the one the page shows. */
async function tryOut(page, operationId, path = {}) {
  const block = page.locator(`.opblock[id$="-${operationId}"]`);
  await block.locator(".opblock-summary").first().click();
  // The document turns Try it out on for every operation; press it only where it is off.
  const execute = block.locator(".btn.execute");
  await block.locator(".try-out__btn").waitFor();
  if (!(await execute.isVisible())) await block.locator(".try-out__btn").click();
  for (const [name, value] of Object.entries(path)) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  await execute.click();
  const status = block.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 15_000 });
  const code = Number((await status.innerText()).trim());
  const shown = block.locator(".live-responses-table .response-col_description pre");
  const text = (await shown.count()) > 0 ? await shown.first().innerText() : "";
  // Collapse it again, so that the page stays short.
  await block.locator(".opblock-summary").first().click();
  return { code, text };
}

async function main() {
  const tokens = {};
  for (const [role, email] of Object.entries(plan.users)) tokens[role] = await token(email);
  const bearer = tokens.owner;
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/swagger-ui/`);
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 20_000 });
    assert.match(await page.locator(".swagger-ui .info .title").innerText(), /cosell/);
    console.log("- Swagger UI shows the document");

    await authorize(page, bearer);
    let authorized = "owner";
    console.log("- authorized with a real token");

    const me = await tryOut(page, "get_current_user");
    assert.equal(me.code, 200, `GET /v1/users/me on the page: ${me.text}`);
    assert.equal(JSON.parse(me.text).email, plan.users.owner);
    console.log("- Try it out: GET /v1/users/me answered 200 on the page");

    // A list tried without typing anything is the whole list: no filter is filled in for you.
    const listed = await tryOut(page, "list_offers");
    assert.equal(listed.code, 200);
    const direct = await fetch(`${base}/v1/offers`, { headers: { Authorization: `Bearer ${bearer}` } });
    const all = await direct.json();
    assert.deepEqual(
      JSON.parse(listed.text).items.map((o) => o.id),
      all.items.map((o) => o.id),
      "Try it out on list_offers sent a filter nobody asked for",
    );
    console.log(`- Try it out: GET /v1/offers listed all ${all.items.length} demo offers`);

    for (const step of plan.steps) {
      if (step.as && step.as !== authorized) {
        await authorize(page, tokens[step.as]);
        authorized = step.as;
      }
      const { code, text } = await tryOut(page, step.operation, step.path);
      assert.ok(code >= 200 && code < 300, `${step.operation} with the example the page shows answered ${code}: ${text}`);
    }
    console.log(`- Try it out: all ${plan.steps.length} request body examples succeeded on the demo`);
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

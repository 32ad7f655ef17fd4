/**
 * The README's five-minute path, then one offer taken from draft to live, with @cosell/client.
 *
 *   COSELL_AUTO_CERTIFY=true make run          # certification decided at once, for this walk
 *   cd examples/typescript && npm ci && npm run build && npm start
 *
 * `COSELL_BASE_URL` names another server (default http://127.0.0.1:8080). Every step checks what
 * it got; the first surprise ends the walk with a non-zero exit.
 */
import assert from "node:assert/strict";

import { ProblemError, createCosellClient, etagOf, idempotencyKey, ifMatch, ok, pages } from "@cosell/client";

const baseUrl = process.env.COSELL_BASE_URL ?? "http://127.0.0.1:8080";
const unique = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
const mpnId = String(4_000_000 + Math.floor(Math.random() * 5_000_000));
const email = `ada-${unique}@contoso.example`;
const password = "correct horse battery staple";

function step(text: string): void {
  console.log(`- ${text}`);
}

async function main(): Promise<void> {
  const cosell = createCosellClient({ baseUrl });
  const { api } = cosell;

  // 1. Enrol: an organization and its first owner.
  const account = await ok(
    api.POST("/v1/accounts", {
      body: {
        organization: { name: "Contoso Ltd", mpn_id: mpnId, country: "US" },
        owner: { email, display_name: "Ada Lovelace", password },
      },
    }),
  );
  assert.equal(account.user.role, "owner");
  step(`enrolled ${account.organization.name} (${account.organization.id})`);

  // 2. A token, and a refresh token the client uses by itself.
  const tokens = await cosell.login(email, password);
  assert.equal(tokens.token_type, "Bearer");
  step(`logged in; the access token lasts ${tokens.expires_in} s`);

  // 3. Who am I; a second read with the ETag is 304 without a body.
  const me = await api.GET("/v1/users/me");
  assert.equal(me.data?.email, email);
  const again = await api.GET("/v1/users/me", { headers: { "If-None-Match": etagOf(me.response) } });
  assert.equal(again.response.status, 304);
  step("read myself, then 304 for the copy I hold");

  // A publisher profile, created once even when the POST is sent twice with one key.
  const key = idempotencyKey();
  const profileBody = {
    publisher_id: `contoso-${unique}`,
    display_name: "Contoso",
    mpn_id: mpnId,
    contact_name: "Ada Lovelace",
    contact_email: "partners@contoso.example",
    website: "https://contoso.example",
  };
  const profile = await ok(api.POST("/v1/publisher-profiles", { body: profileBody, headers: key }));
  const repeat = await api.POST("/v1/publisher-profiles", { body: profileBody, headers: key });
  assert.equal(repeat.response.headers.get("Idempotent-Replayed"), "true");
  assert.equal(repeat.data?.id, profile.id);
  assert.equal(profile.website, "https://contoso.example/", "URLs are stored as parsed");
  step(`publisher profile ${profile.publisher_id}, created once for two sends`);

  // 4. An offer, completed section by section with If-Match.
  const created = await api.POST("/v1/offers", {
    body: {
      publisher_profile_id: profile.id,
      offer_alias: "contoso-analytics",
      name: "Contoso Analytics",
      offer_type: "saas",
    },
  });
  const offer = await ok(created);
  assert.equal(offer.status, "draft");
  const path = { id: offer.id };
  const edited = await api.PATCH("/v1/offers/{id}", {
    params: { path },
    headers: ifMatch(etagOf(created.response)),
    body: {
      setup: { listing_option: "contact_me" },
      properties: { categories: ["analytics"], standard_contract: true },
      listing: {
        summary: "Analytics for every team.",
        description: "Contoso Analytics turns telemetry into decisions.",
        search_keywords: ["analytics"],
        privacy_policy_url: "https://contoso.example/privacy",
        support_contact: {
          name: "Support",
          email: "support@contoso.example",
          url: "https://contoso.example/support",
        },
        engineering_contact: { name: "Eng", email: "eng@contoso.example" },
      },
    },
  });
  await ok(edited);
  // The version sent before the edit is stale now: a typed 412.
  try {
    await ok(
      api.PATCH("/v1/offers/{id}", {
        params: { path },
        headers: ifMatch(etagOf(created.response)),
        body: { name: "Never" },
      }),
    );
    assert.fail("a stale If-Match was accepted");
  } catch (e) {
    assert.ok(e instanceof ProblemError, String(e));
    assert.equal(e.code, "precondition_failed");
  }
  const readiness = await ok(api.GET("/v1/offers/{id}/readiness", { params: { path } }));
  assert.equal(readiness.can_publish, true, JSON.stringify(readiness));
  step("offer complete and ready to publish; a stale edit was refused with 412");

  // 5. Publish, certification (decided at once on this server), go live.
  const submission = await ok(api.POST("/v1/offers/{id}/publish", { params: { path } }));
  assert.equal(
    submission.state,
    "in_preview",
    "run the server with COSELL_AUTO_CERTIFY=true, or have a reviewer certify the submission",
  );
  const live = await ok(api.POST("/v1/offers/{id}/go-live", { params: { path } }));
  assert.equal(live.status, "live");
  step(`published, certified, live at ${live.live_url ?? "(no URL)"}`);

  // Every offer of the organization, page after page.
  const ids: string[] = [];
  for await (const summary of pages((cursor) =>
    api.GET("/v1/offers", { params: { query: { limit: 1, ...(cursor === undefined ? {} : { cursor }) } } }),
  )) {
    ids.push(summary.id);
  }
  assert.deepEqual(ids, [offer.id]);
  const drafts = await ok(api.GET("/v1/offers", { params: { query: { status: ["draft", "preview"] } } }));
  assert.deepEqual(drafts.items, [], "no draft or preview offer is left");
  const lives = await ok(api.GET("/v1/offers", { params: { query: { status: ["draft", "live"] } } }));
  assert.deepEqual(
    lives.items.map((o) => o.id),
    [offer.id],
  );
  step("listed the organization's offers through the page iterator, and filtered by status");

  // An expired access token is refreshed by the client, once, and the call goes through.
  const session = cosell.session();
  assert.ok(session !== undefined);
  const resumed = createCosellClient({
    baseUrl,
    session: { accessToken: "expired.or.forged", refreshToken: session.refreshToken },
  });
  const read = await ok(resumed.api.GET("/v1/offers/{id}", { params: { path } }));
  assert.equal(read.status, "live");
  assert.notEqual(resumed.session()?.refreshToken, session.refreshToken, "the refresh token was rotated");
  step("a stale access token was refreshed on its own");

  // Logging out everywhere ends both sessions.
  await resumed.logout(true);
  const after = await cosell.api.GET("/v1/users/me");
  assert.equal(after.response.status, 401);
  step("logged out everywhere");
  console.log("walkthrough: done");
}

main().catch((e: unknown) => {
  console.error("walkthrough failed:", e);
  process.exit(1);
});

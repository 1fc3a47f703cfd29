import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decode, encode, makeMessage, Signer, WireError } from "../../kernel/protocol/wire";

describe("message signing and framing", () => {
  const signer = new Signer("secret");
  const msg = makeMessage("s1", {
    msg_type: "execute_request",
    content: { code: "1" },
    identities: [Buffer.from("id")],
  });

  test("encode then decode round-trips identities, header and content", () => {
    const back = decode(encode(msg, signer), signer);
    assert.deepEqual(back.identities, [Buffer.from("id")]);
    assert.equal(back.header.msg_id, msg.header.msg_id);
    assert.deepEqual(back.content, { code: "1" });
  });

  test("the signature is HMAC-SHA256 over header, parent, metadata and content", () => {
    const frames = encode(msg, signer);
    const { createHmac } = require("node:crypto");
    const h = createHmac("sha256", "secret");
    for (const f of frames.slice(3, 7)) h.update(f);
    assert.equal(frames[2].toString(), h.digest("hex"));
  });

  test("a tampered message, a wrong key or a missing signature is rejected", () => {
    const frames = encode(msg, signer);
    const tampered = [...frames];
    tampered[6] = Buffer.from(JSON.stringify({ code: "evil()" }));
    assert.throws(() => decode(tampered, signer), WireError);
    assert.throws(() => decode(encode(msg, new Signer("other")), signer), /bad or missing signature/);
    assert.throws(() => decode(encode(msg, new Signer("")), signer), /bad or missing signature/);
  });

  test("an empty key disables signing, as the protocol allows", () => {
    const none = new Signer("");
    assert.equal(decode(encode(msg, none), none).header.msg_type, "execute_request");
  });

  test("frames without a delimiter, too few frames or non-object JSON are rejected", () => {
    assert.throws(() => decode([Buffer.from("x")], signer), /delimiter/);
    assert.throws(() => decode([Buffer.from("<IDS|MSG>"), Buffer.from("")], signer), /expected 5 frames/);
    const parts = ["[1]", "{}", "{}", "{}"].map((s) => Buffer.from(s));
    assert.throws(
      () => decode([Buffer.from("<IDS|MSG>"), Buffer.from(signer.sign(parts)), ...parts], signer),
      /header is not a JSON object/,
    );
  });

  test("an unknown signature scheme is refused up front", () => {
    assert.throws(() => new Signer("k", "rsa-sha256"), /unsupported signature_scheme/);
  });
});

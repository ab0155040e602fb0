import assert from "node:assert";

Deno.test("deno task exec answers every job line, including malformed ones, by id", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const jobs = [
      { id: 1, language: "python", code: "print(sum(map(int, input().split())))", stdin: "2 3\n" },
      {
        id: "fn",
        language: "javascript",
        code: "function twice(x) { return x * 2 }",
        call: { entry_point: "twice", args: "21" },
      },
      { id: 3, language: "python", code: "while True: pass", timeout_ms: 200 },
      { id: 4, language: "ruby", code: "puts 1" },
    ];
    const lines = [...jobs.map((job) => JSON.stringify(job)), "{not json"];
    await Deno.writeTextFile(`${dir}/jobs.jsonl`, lines.join("\n") + "\n");
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./exec.ts", import.meta.url).pathname,
        "--in",
        `${dir}/jobs.jsonl`,
        "--out",
        `${dir}/out.jsonl`,
        "--size",
        "1",
      ],
      stderr: "piped",
    });
    const { success, stderr } = await command.output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const results = (await Deno.readTextFile(`${dir}/out.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const byId = new Map(results.map((r) => [r.id, r]));
    assert.equal(results.length, 5);
    assert.equal(byId.get(1).stdout, "5\n");
    assert.equal(byId.get("fn").return_value, "42");
    assert.equal(byId.get(3).status, "timeout");
    assert.equal(byId.get(4).status, "invalid_job");
    assert.match(byId.get(4).message, /language/);
    assert.equal(byId.get(null).status, "invalid_job");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task exec rejects unknown flags with usage", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./exec.ts", import.meta.url).pathname, "--bogus"],
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.match(new TextDecoder().decode(stderr), /Usage: deno task exec/);
});

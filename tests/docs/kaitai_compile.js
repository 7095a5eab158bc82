// Compile a .ksy file with the Kaitai Struct compiler's JavaScript API
// (npm package kaitai-struct-compiler; YAML read with js-yaml).
// A test-time tool of stackmap-construct: tests/docs/test_doc_kaitai.py runs it.
//
//   node kaitai_compile.js --version
//   node kaitai_compile.js SPEC.ksy OUTDIR [LANGUAGE] [--debug]
//
// Writes the generated files into OUTDIR and prints their names as JSON.
// Modules are found through NODE_PATH (CI installs them in .ci/node).
"use strict";
const fs = require("fs");
const path = require("path");

function fail(message) {
  process.stderr.write(`kaitai_compile.js: ${message}\n`);
  process.exit(2);
}

let ksc, yaml;
try {
  const mod = require("kaitai-struct-compiler");
  // 0.10+ exports the compiler object; older releases export a constructor.
  ksc = typeof mod === "function" ? new mod() : mod;
  yaml = require("js-yaml");
} catch (e) {
  fail(`cannot load kaitai-struct-compiler / js-yaml (${e.message.split("\n")[0]}); ` +
       "install them: npm install --prefix .ci/node kaitai-struct-compiler js-yaml");
}

const args = process.argv.slice(2);
if (args[0] === "--version") {
  process.stdout.write(JSON.stringify({ version: ksc.version, languages: ksc.languages }) + "\n");
  process.exit(0);
}
const debug = args.includes("--debug");
const [spec, outdir, language = "python"] = args.filter((a) => a !== "--debug");
if (!spec || !outdir) fail("usage: kaitai_compile.js SPEC.ksy OUTDIR [LANGUAGE] [--debug]");

let ksy;
try {
  ksy = yaml.load(fs.readFileSync(spec, "utf8"));
} catch (e) {
  fail(`${spec}: not valid YAML: ${e.message}`);
}

ksc.compile(language, ksy, null, debug).then(
  (files) => {
    fs.mkdirSync(outdir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(outdir, name), text);
    }
    process.stdout.write(JSON.stringify(Object.keys(files)) + "\n");
  },
  (err) => fail(`${spec}: ${err && err.message ? err.message : String(err)}`)
);

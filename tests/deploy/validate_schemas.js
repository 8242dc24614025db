#!/usr/bin/env node
// Validates every object of rendered Kubernetes manifests (multi-document YAML files) against
// the API schemas, in two passes:
//   1. npm kubernetes-models / @kubernetes-models/prometheus-operator: the model class picked by
//      apiVersion and kind, .validate() (types, required fields, enums);
//   2. unknown fields, which those validators ignore: each object becomes a typed TypeScript
//      constant (`const o: IDeployment = {...}`) and the compiler's excess-property check names
//      every key the API type does not have, at any depth ("imagePullPolicy" misspelt, a field
//      at the wrong level). The models' JSON schemas are only shipped compiled into validator
//      code, so their .d.ts types are the readable form of the same schema.
// An apiVersion or kind without a model fails: nothing is let through unchecked.
//
// Usage: node validate_schemas.js FILE.yaml...   (modules from tests/node: bash scripts/deps.sh)
// Runs on Node 18 (Debian 12) and 20. Exit 0 when every object passes, 1 otherwise.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const nodeDir = path.resolve(__dirname, '../node');
const requireTool = createRequire(path.join(nodeDir, 'package.json'));

function load(name) {
  try {
    return requireTool(name);
  } catch (e) {
    console.error(`FAIL: cannot load ${name} from ${nodeDir} (run: bash scripts/deps.sh): ${e.message}`);
    process.exit(1);
  }
}
const YAML = load('yaml');
const ts = load('typescript');

// The npm module holding the models of an apiVersion ("v1", "apps/v1", "monitoring.coreos.com/v1").
function modulePath(apiVersion) {
  if (apiVersion.startsWith('monitoring.coreos.com/')) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

// The model class for an object, or a message saying why there is none.
function modelFor(obj) {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { error: 'no apiVersion or kind' };
  }
  let models;
  try {
    models = requireTool(modulePath(apiVersion));
  } catch (e) {
    return { error: `no schema for apiVersion ${apiVersion} (unknown group/version)` };
  }
  const Model = models[kind];
  if (typeof Model !== 'function' || Model.kind !== kind || Model.apiVersion !== apiVersion) {
    return { error: `no schema for kind ${kind} in ${apiVersion}` };
  }
  return { Model, typeModule: `${modulePath(apiVersion)}/${kind}`, typeName: `I${kind}` };
}

function describe(o) {
  const ns = o.obj.metadata && o.obj.metadata.namespace ? `${o.obj.metadata.namespace}/` : '';
  const name = o.obj.metadata && o.obj.metadata.name;
  return `${o.file}: ${o.obj.kind} ${ns}${name}`;
}

// Pass 2: one virtual TypeScript file, one typed constant per object; returns error lines.
function unknownFields(objects) {
  const fileName = path.join(nodeDir, '__rendered_objects__.ts');
  const lines = [];
  const owner = [];  // line index -> object
  objects.forEach((o, i) => {
    lines.push(`import type { ${o.typeName} as T${i} } from ${JSON.stringify(o.typeModule)};`);
    owner.push(o);
  });
  objects.forEach((o, i) => {
    for (const line of `export const o${i}: T${i} = ${JSON.stringify(o.obj, null, 1)};`.split('\n')) {
      lines.push(line);
      owner.push(o);
    }
  });
  const text = lines.join('\n');
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs, lib: ['lib.es2020.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => name === fileName
    ? ts.createSourceFile(name, text, version) : getSourceFile(name, version);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    // TypeScript spells out whole anonymous types (CRD fields): keep the start, which names
    // the offending key.
    let message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (message.length > 240) message = `${message.slice(0, 240)}...`;
    if (!d.file || d.file.fileName !== fileName) return `typescript: ${message}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${describe(owner[line])}: ${message}\n    at: ${lines[line].trim()}`;
  });
}

function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: validate_schemas.js FILE.yaml...');
    process.exit(2);
  }
  const failures = [];
  const objects = [];
  for (const file of files) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length) {
        failures.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
        continue;
      }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) continue;
      const o = { file: path.basename(file), obj, ...modelFor(obj) };
      if (o.error) {
        failures.push(`${describe(o)}: ${o.error}`);
        continue;
      }
      try {
        new o.Model(obj).validate();
      } catch (e) {
        failures.push(`${describe(o)}: ${e.message}`);
      }
      objects.push(o);
    }
  }
  if (objects.length) failures.push(...unknownFields(objects));
  for (const f of failures) console.log('FAIL:', f);
  if (failures.length) process.exit(1);
  const kinds = [...new Set(objects.map((o) => `${o.obj.apiVersion} ${o.obj.kind}`))].sort();
  console.log(`${objects.length} objects valid (${kinds.join(', ')})`);
}

main();

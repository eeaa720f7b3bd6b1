/**
 * The update checks as functions: what they find from the shapes they are given, and that they ask for importers
 * (which reads plain files from disk) only when a module removes a name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModulePreview } from '../../lib/hot/runtime.js';
import { archiveUses, type Importers, validateUpdate } from '../../lib/hot/validate.js';
import type { ImportedNames } from '../../lib/transform/transform.js';

const a = 'zip:/app.zip!/a.js';
const b = 'zip:/app.zip!/b.js';
const c = 'zip:/app.zip!/c.js';

function shape(exports: string[], imports: Array<[string, ImportedNames]> = [], reexports = ''): ModulePreview {
  return { hot: true, exports, reexports, imports: () => imports };
}

test('an export removed while an importer still takes it rejects the update, naming both', () => {
  let asked = 0;
  const importers = (): Importers => {
    asked++;
    return [[b, shape([], [[a, ['x']]])]];
  };
  const found = validateUpdate(
    [{ url: a, liveReexports: '', exports: ['x', 'y'], next: shape(['y']) }],
    importers,
    () => [],
  );
  assert.equal(asked, 1);
  assert.equal(found?.restartRequired, undefined);
  assert.equal(found?.error.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(found?.error.message ?? '', /no longer exports "x", which zip:\/app\.zip!\/b\.js imports/);
});

test('a namespace import of a module that removes a name rejects it; plain files count as importers', () => {
  const none = (): Importers => [];
  const star = validateUpdate(
    [{ url: a, liveReexports: '', exports: ['x', 'y'], next: shape(['y']) }],
    () => [[c, shape([], [[a, '*']])]],
    () => [],
  );
  assert.match(star?.error.message ?? '', /namespace import/);
  const host = validateUpdate([{ url: a, liveReexports: '', exports: ['x'], next: shape([]) }], none, (url) =>
    url === a ? [['file:///main.js', ['x']]] : [],
  );
  assert.match(host?.error.message ?? '', /which file:\/\/\/main\.js imports/);
});

test('changed re-exports need a restart; nothing removed is fine, and importers are never asked', () => {
  const never = (): Importers => assert.fail('importers asked for');
  const restart = validateUpdate(
    [{ url: a, liveReexports: '*:./b.js', exports: ['x'], next: shape(['x'], [], '*:./c.js') }],
    never,
    () => assert.fail('plain files read'),
  );
  assert.equal(restart?.restartRequired, a);
  assert.equal(restart?.error.code, 'ERR_HOTZIP_RESTART_REQUIRED');
  const added = validateUpdate([{ url: a, liveReexports: '', exports: ['x'], next: shape(['x', 'z']) }], never, () =>
    assert.fail('plain files read'),
  );
  assert.equal(added, undefined);
});

test('archiveUses lists what each importer takes from one module', () => {
  const importers: Importers = [
    [
      b,
      shape(
        [],
        [
          [a, ['x']],
          [c, ['y']],
        ],
      ),
    ],
    [c, shape([], [[a, '*']])],
    [a, undefined],
  ];
  assert.deepEqual(archiveUses(a, importers), [
    [b, ['x']],
    [c, '*'],
  ]);
});

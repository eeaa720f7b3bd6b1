/**
 * The error model's helpers: reading a code or a message off any thrown value, and the update error with its module
 * and source position.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeOf, HotzipError, messageOf, updateError } from '../../lib/errors.js';

test('codeOf reads a string code off any thrown value, and nothing else', () => {
  assert.equal(codeOf(new HotzipError('ERR_HOTZIP_LIMIT', 'x')), 'ERR_HOTZIP_LIMIT');
  assert.equal(codeOf(Object.assign(new Error('gone'), { code: 'ENOENT' })), 'ENOENT');
  assert.equal(codeOf({ code: 'PLAIN_OBJECT' }), 'PLAIN_OBJECT');
  assert.equal(codeOf({ code: 42 }), undefined);
  assert.equal(codeOf(new Error('no code')), undefined);
  assert.equal(codeOf(null), undefined);
  assert.equal(codeOf('ENOENT'), undefined);
});

test('messageOf gives an Error its message and anything else its string', () => {
  assert.equal(messageOf(new TypeError('bad type')), 'bad type');
  assert.equal(messageOf('thrown string'), 'thrown string');
  assert.equal(messageOf(42), '42');
  assert.equal(messageOf(undefined), 'undefined');
});

test('an update error keeps an update code, and a load error code as its own', () => {
  const cause = new Error('inner');
  const rejected = updateError('ERR_HOTZIP_UPDATE_REJECTED', 'nothing changed', 'zip:///a.zip!/a.js', cause);
  assert.equal(rejected instanceof HotzipError, true);
  assert.equal(rejected.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.equal(rejected.url, 'zip:///a.zip!/a.js');
  assert.equal(rejected.cause, cause);
  assert.equal(rejected.line, undefined);
  assert.equal(Object.hasOwn(updateError('ERR_HOTZIP_UPDATE_FAILED', 'm', undefined), 'url'), false);

  const notFound = updateError('ERR_MODULE_NOT_FOUND', 'gone', 'zip:///a.zip!/b.js');
  assert.equal(notFound.code, 'ERR_MODULE_NOT_FOUND');
  assert.equal(notFound instanceof HotzipError, true);
});

test('an update error for a syntax error carries line, column and frame', () => {
  const frame = '> 1 | export let = ;\n    |            ^';
  const error = updateError('ERR_HOTZIP_UPDATE_REJECTED', 'syntax', 'zip:///a.zip!/a.js', undefined, {
    line: 1,
    column: 12,
    frame,
  });
  assert.deepEqual([error.url, error.line, error.column, error.frame], ['zip:///a.zip!/a.js', 1, 12, frame]);
});

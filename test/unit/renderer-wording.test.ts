import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cameraName,
  describeSpeed,
  downloadFailure,
  formatExposure,
  formatShutter,
} from '../../src-renderer/lib/format.js';

test('a download that cannot reach its server says so, with the raw error as details', () => {
  const raw =
    'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d/onnx/vision_model.onnx: getaddrinfo ENOTFOUND huggingface.co';
  assert.deepEqual(downloadFailure(raw), {
    summary: 'Cannot reach the download server (offline?)',
    details: raw,
  });
  assert.deepEqual(downloadFailure('fetch failed'), {
    summary: 'Cannot reach the download server (offline?)',
    details: 'fetch failed',
  });
});

test('other download failures keep a short reason in the summary, long ones as details', () => {
  assert.deepEqual(downloadFailure('vision_model.onnx: sha256 does not match'), {
    summary: 'The download failed: vision_model.onnx: sha256 does not match',
    details: null,
  });
  const long = `HTTP 500 from ${'x'.repeat(200)}`;
  assert.deepEqual(downloadFailure(long), { summary: 'The download failed', details: long });
});

test('exposure reads as a camera shows it', () => {
  assert.equal(formatShutter(0.004), '1/250 s');
  assert.equal(formatShutter(2.5), '2.5 s');
  assert.equal(
    formatExposure({ aperture: 3.5, shutterSeconds: 0.4, iso: 100, focalLength: 18 }),
    'f/3.5 · 0.4 s · ISO 100 · 18 mm',
  );
  assert.equal(
    formatExposure({ aperture: null, shutterSeconds: null, iso: null, focalLength: null }),
    null,
  );
});

test('the camera make is not repeated when the model already names it', () => {
  assert.equal(cameraName('Canon', 'Canon EOS 400D DIGITAL'), 'Canon EOS 400D DIGITAL');
  assert.equal(cameraName('Apple', 'iPhone 6'), 'Apple iPhone 6');
  assert.equal(cameraName(null, 'X100V'), 'X100V');
});

test('indexing speed and time left read the same in the app as in the CLI', () => {
  assert.equal(describeSpeed({ rate: 3.24, etaSeconds: null }), '3.2/s');
  assert.equal(describeSpeed({ rate: 3.24, etaSeconds: 42 }), '3.2/s · 42 s left');
  assert.equal(describeSpeed({ rate: 12, etaSeconds: 300 }), '12.0/s · 5 min left');
  assert.equal(describeSpeed({ rate: 0.5, etaSeconds: 7500 }), '0.5/s · 2 h 5 min left');
});

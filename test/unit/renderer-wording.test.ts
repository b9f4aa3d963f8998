import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cameraName,
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

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  liveStreams,
  nginxRtmpMissing,
  publishWithFfmpeg,
  startNginxRtmp,
} from '../helpers/nginxRtmp.ts';

const missing = nginxRtmpMissing();
if (missing) console.warn(`nginx-rtmp harness tests skipped: ${missing}`);

describe.skipIf(missing !== null)('the nginx-rtmp test harness', () => {
  it('starts nginx on free loopback ports, shows a publish on its stat page and stops by its PID', async () => {
    const nginx = await startNginxRtmp();
    try {
      expect(nginx.rtmpUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/LiveApp$/);
      expect(await liveStreams(nginx.statUrl)).toEqual([]);
      const publishing = publishWithFfmpeg(`${nginx.rtmpUrl}/harness`, 2);
      let seen: string[] = [];
      for (const deadline = Date.now() + 5000; Date.now() < deadline && !seen.length;) {
        seen = await liveStreams(nginx.statUrl);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toEqual(['harness']);
      expect(await publishing).toBe(0);
      expect(existsSync(nginx.logPath)).toBe(true);
    } finally {
      await nginx.stop();
    }
    expect(() => process.kill(nginx.pid, 0)).toThrow();
  });
});

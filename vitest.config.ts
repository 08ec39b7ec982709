import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './test/summaryReporter.ts';

export default defineConfig({
  plugins: [react()],
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/unit/**/*.test.tsx',
      'test/integration/**/*.test.ts',
      'test/e2e/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new SummaryLineReporter()],
  },
});

import { expect } from 'vitest';

/** `expect.stringMatching`, typed as the string it stands for inside an expected object. */
export const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

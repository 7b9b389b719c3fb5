/** Whether `work` settles (either way) within `ms`; it goes on regardless. An infinite `ms` waits for it. */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), Math.max(0, ms)) : undefined;
    const settled = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    work.then(settled, settled);
  });
}

// A Svelte attachment that reports an element's size in whole CSS pixels, at
// once and on every change: the stages lay their tiles out on it.
import type { Attachment } from 'svelte/attachments';

export function measureSize(onsize: (size: { width: number; height: number }) => void): Attachment<HTMLElement> {
  return (element) => {
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      onsize({ width: Math.floor(entry.contentRect.width), height: Math.floor(entry.contentRect.height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  };
}

import { useEffect, useState } from 'react';

const cache = new Map<string, Promise<HTMLImageElement>>();

function load(url: string): Promise<HTMLImageElement> {
  let p = cache.get(url);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`could not load ${url}`));
      img.src = url;
    });
    cache.set(url, p);
  }
  return p;
}

/** The decoded <img> for a URL, or null while it loads (or if it fails). */
export function useImage(url: string | undefined): HTMLImageElement | null {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    let live = true;
    if (!url) return;
    load(url).then((i) => live && setImg(i), () => live && setImg(null));
    return () => {
      live = false;
    };
  }, [url]);
  return url ? img : null;
}

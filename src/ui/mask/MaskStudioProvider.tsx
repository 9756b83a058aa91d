import type { ReactNode } from 'react';
import { currentMask, useStore } from '../../state/store';
import { useImage } from '../useImage';
import { MaskStudioContext, useMaskStudio } from './useMaskStudio';

/** One mask studio (tools, brush, undo history) for the selected photo's mask, shared by everything below. */
export function MaskStudioProvider({ children }: { children: ReactNode }) {
  const mask = useStore(currentMask);
  const setMask = useStore((s) => s.setMask);
  const photo = useStore((s) => s.photos.find((p) => p.id === s.selectedId));
  const image = useImage(photo?.url);
  const studio = useMaskStudio(image, photo?.id ?? null, mask, setMask);
  return <MaskStudioContext value={studio}>{children}</MaskStudioContext>;
}

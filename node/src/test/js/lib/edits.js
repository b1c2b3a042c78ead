'use strict';
// Generators of random json0 edits that keep a canvas valid, computed from a
// client's *current local* document (doc.data). Values placed in oi/od are
// deep copies: json0 mutates the document in place, and the op objects stay in
// the client's pending queue, so they must not alias the live document.

const { clone, makeCell, randomText } = require('./common');

/** Picks a random edit. Returns {kind, op} or null if nothing applies. */
function randomEdit(rng, data, ctx) {
  const cellIds = Object.keys(data.cells);
  const hasCells = cellIds.length > 0;
  const kind = rng.weighted([
    [hasCells ? 30 : 0, 'text-insert'],
    [hasCells ? 14 : 0, 'text-delete'],
    [cellIds.length < 4 ? 30 : 9, 'cell-add'],
    [cellIds.length > 3 ? 6 : 0, 'cell-remove'],
    [hasCells ? 7 : 0, 'layout-x'],
    [hasCells ? 6 : 0, 'layout-w'],
    [hasCells ? 7 : 0, 'move'],
    [cellIds.length > 1 ? 3 : 0, 'swap'],
    [hasCells ? 4 : 0, 'rename'],
    [5, 'title-insert'],
    [data.title.length > 1 ? 3 : 0, 'title-delete'],
  ]);
  const id = hasCells ? rng.pick(cellIds) : null;
  const cell = id ? data.cells[id] : null;
  switch (kind) {
    case 'text-insert': {
      const off = rng.int(0, cell.source.length);
      return { kind, op: [{ p: ['cells', id, 'source', off], si: randomText(rng) }] };
    }
    case 'text-delete': {
      const len = cell.source.length;
      if (len === 0) return { kind: 'text-insert', op: [{ p: ['cells', id, 'source', 0], si: randomText(rng) }] };
      const off = rng.int(0, len - 1);
      const n = rng.int(1, Math.min(6, len - off));
      return { kind, op: [{ p: ['cells', id, 'source', off], sd: cell.source.slice(off, off + n) }] };
    }
    case 'cell-add': {
      const newId = ctx.newCellId();
      return { kind, op: [{ p: ['cells', newId], oi: makeCell(rng, `Cell ${newId}`) }] };
    }
    case 'cell-remove':
      return { kind, op: [{ p: ['cells', id], od: clone(cell) }] };
    case 'layout-x':
      // na only ever adds, so concurrent changes cannot push x below 0
      return { kind, op: [{ p: ['cells', id, 'layout', 'x'], na: rng.int(1, 3) }] };
    case 'layout-w': {
      const cur = cell.layout.w;
      let w = rng.int(1, 12);
      if (w === cur) w = (w % 12) + 1;
      return { kind, op: [{ p: ['cells', id, 'layout', 'w'], od: cur, oi: w }] };
    }
    case 'move': {
      // cells is a map, so "reorder" is a change of layout.y
      const cur = cell.layout.y;
      let y = rng.int(0, 40);
      if (y === cur) y = cur + 1;
      return { kind, op: [{ p: ['cells', id, 'layout', 'y'], od: cur, oi: y }] };
    }
    case 'swap': {
      // two-component op: exchange the vertical positions of two cells
      let other = rng.pick(cellIds);
      if (other === id) other = cellIds[(cellIds.indexOf(id) + 1) % cellIds.length];
      const ya = cell.layout.y;
      const yb = data.cells[other].layout.y;
      if (ya === yb) return { kind: 'move', op: [{ p: ['cells', id, 'layout', 'y'], od: ya, oi: ya + 1 }] };
      return {
        kind,
        op: [
          { p: ['cells', id, 'layout', 'y'], od: ya, oi: yb },
          { p: ['cells', other, 'layout', 'y'], od: yb, oi: ya },
        ],
      };
    }
    case 'rename':
      return { kind, op: [{ p: ['cells', id, 'name', cell.name.length], si: rng.pick(['!', ' v2', 'é', '*']) }] };
    case 'title-insert': {
      const off = rng.int(0, data.title.length);
      return { kind, op: [{ p: ['title', off], si: randomText(rng, 1) }] };
    }
    case 'title-delete': {
      const len = data.title.length;
      const off = rng.int(0, len - 2);
      const n = rng.int(1, Math.min(3, len - 1 - off));
      return { kind, op: [{ p: ['title', off], sd: data.title.slice(off, off + n) }] };
    }
    default:
      return null;
  }
}

module.exports = { randomEdit };

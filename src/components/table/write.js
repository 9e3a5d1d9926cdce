// The table's row writes, one call from wasm per batch: wasm-bindgen decodes every string it
// hands to JavaScript on its own, so a page of rows written node by node paid about 1,600
// decodes and calls; here the batch's texts arrive as one string, cut at `ends` (UTF-16
// offsets). `targets[k]` is a Text node, whose data is set, or an element, whose attribute
// `attrs[k]` is set. Values are only ever text: never markup.
export function writeBatch(targets, attrs, which, all, ends) {
  let start = 0;
  for (let i = 0; i < which.length; i++) {
    const k = which[i];
    const value = all.substring(start, ends[i]);
    start = ends[i];
    const name = attrs[k];
    if (name === undefined) {
      targets[k].data = value;
    } else {
      targets[k].setAttribute(name, value);
    }
  }
}

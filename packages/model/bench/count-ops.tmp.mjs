import { initBackend } from '@s4d/runtime';
import { build } from '../dist/index.js';
const tf = await initBackend();
const model = build({ embedDim: 287 }, { seed: 0 });
const frame = tf.randomNormal([1, 287]);
let state = model.initState(1);
for (let i = 0; i < 3; i++) { const r = model.step(state, frame); r.output.dispose(); state.dispose(); state = r.state; }
const info = await tf.profile(() => { const r = model.step(state, frame); r.output.dispose(); state.dispose(); state = r.state; });
const counts = {}; let total = 0;
for (const k of info.kernels) { counts[k.name] = (counts[k.name] ?? 0) + 1; total++; }
console.log(total, counts);
const times = []; for (let i = 0; i < 100; i++) { const s = performance.now(); const r = model.step(state, frame); r.output.dataSync(); r.output.dispose(); state.dispose(); state = r.state; times.push(performance.now() - s); }
times.sort((a,b)=>a-b); console.log('median ms', times[50], 'min', times[0]);

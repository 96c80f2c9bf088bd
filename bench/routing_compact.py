"""One compact markdown table of routing results (docs/benchmarks.md). Usage: python3 bench/routing_compact.py OUT/*/results.json"""
import json,sys,os
from collections import defaultdict
counts=defaultdict(int); cost_by_profile=defaultdict(int); cells=0
print("| data set | LLM profile | threshold: cost / acc / people | oracle-threshold (hindsight) | router: cost / acc / people | router est. [95% CI] | goal: acc ≥ 0.945 / share ≤ bound+8pt / cost ≤ 0.20 |")
print("|---|---|---|---|---|---|---|")
for p in sys.argv[1:]:
    r=json.load(open(p)); name=os.path.basename(os.path.dirname(p))
    rows=[x for x in r['routing'] if '→' not in x['llm_profile']]
    ah=[x for x in rows if x['policy']=='all-human'][0]
    for prof in dict.fromkeys(x['llm_profile'] for x in rows):
        by={x['policy']:x for x in rows if x['llm_profile']==prof}
        t,o,rt=by['threshold'],by['oracle-threshold'],by['router']
        f=lambda x: f"{x['cost_vs_all_human']:.3f} / {x['label_accuracy']:.3f} / {x['people_share']:.3f}"
        g=("yes" if rt['label_accuracy']>=rt['target_accuracy']-0.005 else "**no**")+" / "+("yes" if rt['people_share']<=o['people_share']+0.08+1e-12 else "**no**")+" / "+("yes" if rt['cost_vs_all_human']<=0.2 else "no")
        cells+=1
        counts['target']+=rt['label_accuracy']>=rt['target_accuracy']-0.005
        counts['share']+=rt['people_share']<=o['people_share']+0.08+1e-12
        counts['all three']+=(rt['label_accuracy']>=rt['target_accuracy']-0.005) and rt['people_share']<=o['people_share']+0.08+1e-12
        if 'accuracy=0.8,' not in prof:
            counts['cost']+=rt['cost_vs_all_human']<=0.2
            cost_by_profile[prof.replace('simulated-llm(accuracy=','').replace(')','')]+=rt['cost_vs_all_human']<=0.2
        short=prof.replace('simulated-llm(accuracy=','').replace(')','').replace(',',' ')
        print(f"| {name} | {short} | {f(t)} | {f(o)} | {f(rt)} | {rt['estimated_accuracy']:.3f} [{rt['estimate_low']:.3f}, {rt['estimate_high']:.3f}] | {g} |")
    print(f"| {name} | all-human: acc {ah['label_accuracy']:.3f}, cost {ah['cost']:.0f} | | | | | |")
print()
print(f"cells {cells}: target met {counts['target']}, share met {counts['share']}, both {counts['all three']}; cost <= 0.20 in {counts['cost']} of the 0.90/0.95 cells; "
      + ", ".join(f"{p}: {n} data sets" for p,n in cost_by_profile.items()))

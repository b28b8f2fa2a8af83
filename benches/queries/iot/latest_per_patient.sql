select patient_id, max(recorded_at) as last_seen, count(*) as readings
from silver.vitals
group by patient_id
order by patient_id

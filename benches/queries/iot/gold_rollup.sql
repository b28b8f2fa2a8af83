select patient_id, sum(readings) as readings, max(hr_max) as hr_max, sum(anomalies) as anomalies
from gold.vitals_hourly
group by patient_id
order by patient_id

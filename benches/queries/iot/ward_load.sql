select ward, count(*) as readings, avg(heart_rate) as hr_avg
from silver.vitals join silver.patients using (patient_id)
group by ward
order by ward
